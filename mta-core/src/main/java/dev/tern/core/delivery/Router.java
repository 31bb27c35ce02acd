package dev.tern.core.delivery;

import dev.tern.core.dns.MxHost;
import dev.tern.core.dns.MxResolver;
import dev.tern.core.dns.MxResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Decides where a domain's mail goes: a static route if one matches, else DNS (MX hosts in
 * order, each host's addresses in turn, on {@code smtpPort}).
 *
 * <p><b>Sites.</b> A site is a set of MX hosts after CNAME resolution (an MX name that is an alias
 * counts as the host it points to). Domains that share any <em>primary</em> MX host (a host of their
 * lowest MX preference, after CNAME resolution) share one site: its connection limits, shaping
 * rules and holds. The first domain routed to a host since start names the site (its key lists that
 * domain's MX hosts); a later domain whose primary hosts include a host already in a site joins that
 * site, whatever its other hosts. A joining domain whose MX hosts differ from the site's keeps its
 * own hosts (its own failover order) in a ready queue of its own within the site's limits. So a
 * domain with the same MX, one listing the host with a second MX, and one reaching it through a
 * CNAME are one site. The host-to-site table holds at most {@value #MAX_HOSTS} hosts; beyond that, a
 * new domain gets a site of its own hosts.
 */
public final class Router {
    /** Most MX hosts remembered with their site. */
    static final int MAX_HOSTS = 100_000;

    private volatile StaticRoutes routes;
    private final MxResolver dns;
    private final int smtpPort;
    /** The site each primary MX host (after CNAME resolution) belongs to, first come first named. */
    private final java.util.concurrent.ConcurrentHashMap<String, SiteKey.Mx> siteOfHost =
            new java.util.concurrent.ConcurrentHashMap<>();

    public Router(StaticRoutes routes, MxResolver dns, int smtpPort) {
        this.routes = routes;
        this.dns = dns;
        this.smtpPort = smtpPort;
    }

    /** Replaces the static routes (configuration reload). */
    public void routes(StaticRoutes r) {
        routes = r;
    }

    /** The route for a domain; fails with {@link RouteException} when it cannot be resolved. */
    public CompletableFuture<Route> route(String domain) {
        Optional<Route> r = routes.lookup(domain);
        if (r.isPresent()) return CompletableFuture.completedFuture(r.get());
        return dns.resolve(domain).thenApply(this::toRoute);
    }

    private static InetAddress named(String host, InetAddress a) {
        try {
            return InetAddress.getByAddress(host, a.getAddress());
        } catch (java.net.UnknownHostException e) {
            return a; // cannot happen for an address of 4 or 16 bytes
        }
    }

    /**
     * The site of a resolved domain: the site of one of its primary hosts if one has a site already,
     * else a new site of the domain's own hosts (registered under its primary hosts).
     */
    SiteKey.Mx siteOf(MxResult.Resolved ok, List<String> own) {
        int best = ok.hosts().getFirst().preference();
        java.util.TreeSet<String> primary = new java.util.TreeSet<>();
        for (MxHost h : ok.hosts()) if (h.preference() == best) primary.add(h.canonical());
        for (String h : primary) {
            SiteKey.Mx known = siteOfHost.get(h);
            if (known != null) {
                for (String other : primary) if (siteOfHost.size() < MAX_HOSTS) siteOfHost.putIfAbsent(other, known);
                return known;
            }
        }
        SiteKey.Mx mine = new SiteKey.Mx(own);
        if (siteOfHost.size() >= MAX_HOSTS) return mine;
        // a concurrent domain may register the same host first: then its site is ours
        SiteKey.Mx won = siteOfHost.putIfAbsent(primary.first(), mine);
        SiteKey.Mx site = won == null ? mine : won;
        for (String other : primary) siteOfHost.putIfAbsent(other, site);
        return site;
    }

    private Route toRoute(MxResult result) {
        return switch (result) {
            case MxResult.Resolved ok -> {
                List<InetSocketAddress> hosts = new ArrayList<>();
                for (MxHost h : ok.hosts()) {
                    // the address carries its MX host name: TLS policies (SNI, names, TLSA) need it
                    for (InetAddress a : h.addresses()) hosts.add(new InetSocketAddress(named(h.name(), a), smtpPort));
                }
                List<String> own = ok.site().hosts();
                yield new Route(siteOf(ok, own), hosts, own);
            }
            case MxResult.PermanentFailure f ->
                throw new java.util.concurrent.CompletionException(
                        new RouteException(true, f.enhancedCode(), f.text(), LocalFailures.of(f)));
            case MxResult.TemporaryFailure f ->
                throw new java.util.concurrent.CompletionException(
                        new RouteException(false, f.enhancedCode(), f.text(), LocalFailures.of(f)));
        };
    }
}
