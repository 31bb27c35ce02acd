package dev.tern.core.delivery;

import dev.tern.core.shaping.ShapingPolicy;
import dev.tern.core.shaping.SharedLimit;
import dev.tern.core.shaping.SiteLimits;
import dev.tern.core.shaping.SiteThrottle;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sites and destinations seen since start: one {@link SiteThrottle} per site, one
 * {@link Destination} (ready queue) per (site, egress source), and which domains were routed
 * to which site (so {@code site:} targets find a site's mail in the spool).
 */
final class DestinationRegistry {
    /** Domains remembered per site, at most (the rest are routed again when a command needs them). */
    private static final int MAX_DOMAINS_PER_SITE = 10_000;

    /** A site's run-time state: the domain and host names its rules match, its throttle, its queues. */
    record SiteState(
            SiteKey key, String domain, SiteThrottle throttle, List<Destination> destinations, Set<String> domains) {}

    private final Map<String, Destination> destinations = new ConcurrentHashMap<>();
    private final Map<SiteKey, SiteState> sites = new ConcurrentHashMap<>();
    private final Map<String, SiteKey> siteOfDomain = new ConcurrentHashMap<>();
    private volatile ShapingPolicy policy;
    /** The fleet's shared limits, or null when this node is alone. */
    private volatile SharedLimit.Source shared;

    DestinationRegistry(ShapingPolicy policy) {
        this.policy = policy;
    }

    /** Whether site limits are shared with a fleet (their checks may ask the fleet's store). */
    boolean fleet() {
        return shared != null;
    }

    /** Shares the limits of every site and (source, site) pair created from now on with the fleet. */
    void share(SharedLimit.Source source) {
        shared = source;
    }

    private SiteThrottle throttle(SiteLimits limits, dev.tern.core.config.ShapingConfig.Adaptive adaptive, String key) {
        SiteThrottle t = new SiteThrottle(limits, adaptive);
        SharedLimit.Source s = shared;
        if (s != null) t.share(s.limit(key));
        return t;
    }

    ShapingPolicy policy() {
        return policy;
    }

    /** The destination of a route from a source, created with the policy's limits on first use. */
    Destination destination(Route route, EgressSource source, String domain) {
        return destination(route, source, domain, dev.tern.core.tlspolicy.DestinationTls.OPPORTUNISTIC);
    }

    /**
     * The destination of a route from a source under a TLS decision: a domain with a policy of its
     * own (published or configured) gets its own ready queue, {@code SITE[@SOURCE] tls=DOMAIN},
     * within the site's limits.
     */
    Destination destination(
            Route route, EgressSource source, String domain, dev.tern.core.tlspolicy.DestinationTls tls) {
        SiteKey siteKey = route.site();
        // a domain that joined the site by a shared primary host but has other hosts too keeps them
        // (its own failover) in a queue of its own within the site's limits
        List<String> own = route.ownHosts();
        String key = (source.name().isEmpty() ? siteKey.key() : siteKey.key() + "@" + source.name())
                + (own.isEmpty() ? "" : " via=" + String.join(",", own))
                + (tls.isDefault() ? "" : " tls=" + tls.domain());
        SiteState s = sites.computeIfAbsent(siteKey, sk -> {
            ShapingPolicy p = policy;
            return new SiteState(
                    sk,
                    domain,
                    throttle(p.forSite(domain, sk.hostNames()), p.adaptive(), sk.key()),
                    new CopyOnWriteArrayList<>(),
                    ConcurrentHashMap.newKeySet());
        });
        if (s.domains().size() < MAX_DOMAINS_PER_SITE) s.domains().add(domain);
        siteOfDomain.put(domain, siteKey);
        Destination d = destinations.computeIfAbsent(key, k -> {
            Destination created = new Destination(
                    k,
                    siteKey,
                    source,
                    route,
                    s.throttle(),
                    throttle(policy.forSourceAtSite(s.domain(), siteKey.hostNames()), null, k));
            s.destinations().add(created);
            return created;
        });
        d.route(route);
        d.tls(tls);
        return d;
    }

    /** The domains routed to a site since start (at most {@value #MAX_DOMAINS_PER_SITE}), sorted. */
    List<String> domains(SiteKey key) {
        SiteState s = sites.get(key);
        return s == null ? List.of() : s.domains().stream().sorted().toList();
    }

    /** The site a domain was last routed to, if it was routed since start. */
    Optional<SiteKey> siteOf(String domain) {
        return Optional.ofNullable(siteOfDomain.get(domain));
    }

    Optional<SiteState> site(SiteKey key) {
        return Optional.ofNullable(sites.get(key));
    }

    /** Every destination of the site of {@code d} (every source sending to it), {@code d} included. */
    List<Destination> siblings(Destination d) {
        SiteState s = sites.get(d.siteKey);
        return s == null ? List.of(d) : s.destinations();
    }

    Collection<Destination> all() {
        return destinations.values();
    }

    Collection<SiteState> sites() {
        return sites.values();
    }

    /** The limits in effect for a site, if it has been seen. */
    Optional<SiteLimits> limits(SiteKey key) {
        return site(key).map(s -> s.throttle().limits());
    }

    /** Every destination's state at {@code now} (epoch millis); {@code paused}: held or bouncing. */
    List<DestinationStatus> status(long now, java.util.function.Predicate<Destination> paused) {
        List<DestinationStatus> out = new java.util.ArrayList<>();
        for (Destination d : destinations.values()) {
            out.add(new DestinationStatus(
                    d.key,
                    d.siteKey.key(),
                    d.source.name(),
                    d.size(),
                    d.sending.get(),
                    d.connections(),
                    d.connecting.get(),
                    paused.test(d),
                    d.lastError,
                    d.downUntil > now ? java.time.Instant.ofEpochMilli(d.downUntil) : null,
                    d.deferrals.get()));
        }
        return out;
    }

    /** Applies new shaping rules to every known site and destination at once. */
    void reload(ShapingPolicy next) {
        policy = next;
        for (SiteState s : sites.values()) {
            List<String> hosts = s.key().hostNames();
            s.throttle().update(next.forSite(s.domain(), hosts), next.adaptive());
            for (Destination d : s.destinations()) {
                d.pair.update(next.forSourceAtSite(s.domain(), hosts), null);
                synchronized (d) {
                    d.overflowCursorMicros = 0; // the pace may have changed
                }
            }
        }
    }
}
