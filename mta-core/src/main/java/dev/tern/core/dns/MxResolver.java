package dev.tern.core.dns;

import dev.tern.core.dns.DnsAnswer.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.xbill.DNS.Address;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves where a domain's mail goes, asynchronously: its MX hosts in preference order (shuffled
 * among equal preferences on every call, to spread load), each with its IPv4 and IPv6 addresses.
 *
 * <ul>
 *   <li>No MX record: the domain's own A/AAAA records (implicit MX, RFC 5321 section 5.1).
 *   <li>Null MX ({@code MX 0 .}, RFC 7505): {@code 556 5.1.10}, permanent.
 *   <li>NXDOMAIN: {@code 550 5.1.2}, permanent.
 *   <li>SERVFAIL, timeouts, network errors on the MX query: {@code 451 4.4.3}, temporary.
 *   <li>MX hosts without any address are left out. When none is left: temporary {@code 451 4.4.3}
 *       if any host's lookup failed temporarily, else permanent {@code 550 5.4.4} (MX hosts that
 *       definitely have no address) or, for an implicit MX, {@code 550 5.1.2} (the domain exists
 *       but has neither MX nor address).
 *   <li>When some MX hosts fail temporarily and others resolve, the others are returned and the
 *       result {@linkplain MxResult.Resolved#expires() expires} when the cached failure does.
 *   <li>An address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}) resolves to itself.
 * </ul>
 *
 * <p>Answers are cached per name and type for their TTL with negative caching and a size bound, and
 * concurrent lookups of the same name share one query (see {@link RecordLookup}). Futures complete
 * on the configured executor and never complete exceptionally.
 */
public final class MxResolver {

    private final RecordLookup lookup;
    private final DnsClient client;
    private final DnsSettings settings;
    private final DnsMetrics metrics;
    private final Clock clock;
    private final RandomGenerator random;

    /** A resolver with the system clock, a thread-local random source and the common pool. */
    public MxResolver(DnsSettings settings, MeterRegistry registry) {
        this(
                settings,
                registry,
                Clock.systemUTC(),
                () -> ThreadLocalRandom.current().nextLong(),
                ForkJoinPool.commonPool());
    }

    /**
     * A resolver with its clock (for TTLs), random source (for the order among equal preferences;
     * must be thread-safe) and the executor that completes DNS futures.
     */
    public MxResolver(
            DnsSettings settings, MeterRegistry registry, Clock clock, RandomGenerator random, Executor executor) {
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        DnsCache cache = new DnsCache(settings.cacheSize());
        this.metrics = new DnsMetrics(registry, cache::size);
        this.client = new DnsClient(settings.servers(), settings.timeout(), settings.attempts(), executor);
        this.lookup = new RecordLookup(client, cache, settings, clock, metrics);
    }

    /** The DNS servers queried, in order (the configured ones or the system's). */
    public List<InetSocketAddress> servers() {
        return client.servers();
    }

    /** Number of answers cached (name and type pairs). */
    public int cacheSize() {
        return lookup.cacheSize();
    }

    /** Forgets every cached answer (for example after a DNS change an operator knows about). */
    public void clearCache() {
        lookup.clearCache();
    }

    /** Resolves the domain of a recipient address; see the class description for the outcomes. */
    public CompletableFuture<MxResult> resolve(String domain) {
        Objects.requireNonNull(domain, "domain");
        String normalized;
        Name name;
        try {
            if (domain.strip().startsWith("[")) {
                return CompletableFuture.completedFuture(literal(domain.strip()));
            }
            normalized = normalize(domain);
            name = Name.fromString(normalized + ".");
        } catch (TextParseException | IllegalArgumentException e) {
            return CompletableFuture.completedFuture(
                    permanent("invalid", domain, 550, "5.1.2", "invalid domain '" + domain + "'"));
        }
        return lookup.lookup(name, Type.MX)
                .thenCompose(answer -> switch (answer) {
                    case DnsAnswer.Records mx -> fromMx(normalized, mx);
                    case DnsAnswer.NoData none -> implicitMx(normalized, name, none.expires());
                    case DnsAnswer.NxDomain nx ->
                        CompletableFuture.completedFuture(permanent(
                                "nxdomain",
                                normalized,
                                550,
                                "5.1.2",
                                "domain " + normalized + " does not exist (NXDOMAIN)"));
                    case DnsAnswer.Failure f ->
                        CompletableFuture.completedFuture(temporary(
                                f.kind(), normalized, "MX lookup for " + normalized + " failed: " + f.detail()));
                })
                .exceptionally(error -> temporary(
                        Kind.ERROR,
                        normalized,
                        "MX resolution of " + normalized + " failed: " + DnsClient.unwrap(error)));
    }

    private CompletableFuture<MxResult> fromMx(String domain, DnsAnswer.Records answer) {
        Map<Name, DnsAnswer.MxTarget> targets = new LinkedHashMap<>();
        for (DnsAnswer.MxTarget mx : answer.valuesAs(DnsAnswer.MxTarget.class)) {
            if (!mx.name().equals(Name.root)) {
                targets.merge(mx.name(), mx, (a, b) -> a.preference() <= b.preference() ? a : b);
            }
        }
        if (targets.isEmpty()) {
            return CompletableFuture.completedFuture(permanent(
                    "null_mx",
                    domain,
                    556,
                    "5.1.10",
                    "domain " + domain + " does not accept mail (null MX, RFC 7505)"));
        }
        Site site =
                Site.of(targets.values().stream().map(DnsAnswer.MxTarget::host).toList());
        List<CompletableFuture<HostAddresses>> hosts = new ArrayList<>(targets.size());
        for (DnsAnswer.MxTarget mx : targets.values()) {
            hosts.add(addresses(mx.name(), mx.host(), mx.preference()));
        }
        return CompletableFuture.allOf(hosts.toArray(CompletableFuture[]::new))
                .thenApply(v -> assemble(
                        domain, hosts.stream().map(CompletableFuture::join).toList(), site, false, answer.expires()));
    }

    private CompletableFuture<MxResult> implicitMx(String domain, Name name, Instant mxExpires) {
        return addresses(name, domain, 0)
                .thenApply(host -> assemble(domain, List.of(host), Site.of(domain), true, mxExpires));
    }

    /** A host's A and AAAA answers. */
    private record HostAddresses(String host, int preference, DnsAnswer a, DnsAnswer aaaa) {
        List<Inet4Address> ipv4() {
            return a instanceof DnsAnswer.Records r ? r.valuesAs(Inet4Address.class) : List.of();
        }

        List<Inet6Address> ipv6() {
            return aaaa instanceof DnsAnswer.Records r ? r.valuesAs(Inet6Address.class) : List.of();
        }

        DnsAnswer.Failure failure() {
            return a instanceof DnsAnswer.Failure f ? f : aaaa instanceof DnsAnswer.Failure f ? f : null;
        }

        Instant expires() {
            return a.expires().isBefore(aaaa.expires()) ? a.expires() : aaaa.expires();
        }

        /** The host at the end of its CNAME chain (the owner of its address records), or its own name. */
        String canonical() {
            DnsAnswer.Records r =
                    a instanceof DnsAnswer.Records ra ? ra : aaaa instanceof DnsAnswer.Records raaaa ? raaaa : null;
            return r == null ? host : r.canonical().toString(true).toLowerCase(Locale.ROOT);
        }
    }

    private CompletableFuture<HostAddresses> addresses(Name name, String host, int preference) {
        return lookup.lookup(name, Type.A)
                .thenCombine(lookup.lookup(name, Type.AAAA), (a, aaaa) -> new HostAddresses(host, preference, a, aaaa));
    }

    private MxResult assemble(
            String domain, List<HostAddresses> looked, Site site, boolean implicit, Instant mxExpires) {
        Instant expires = mxExpires;
        TreeMap<Integer, List<MxHost>> byPreference = new TreeMap<>();
        DnsAnswer.Failure failure = null;
        for (HostAddresses h : looked) {
            if (h.expires().isBefore(expires)) {
                expires = h.expires();
            }
            List<Inet4Address> v4 = h.ipv4();
            List<Inet6Address> v6 = h.ipv6();
            if (v4.isEmpty() && v6.isEmpty()) {
                if (failure == null) {
                    failure = h.failure();
                }
                continue;
            }
            byPreference
                    .computeIfAbsent(h.preference(), p -> new ArrayList<>())
                    .add(new MxHost(h.host(), h.preference(), v4, v6, h.canonical()));
        }
        if (byPreference.isEmpty()) {
            if (failure != null) {
                return temporary(
                        failure.kind(),
                        domain,
                        "no " + (implicit ? "address" : "MX host address") + " of " + domain + " could be resolved: "
                                + failure.detail());
            }
            if (implicit) {
                return permanent(
                        "no_address", domain, 550, "5.1.2", "domain " + domain + " has no MX and no A/AAAA record");
            }
            return permanent(
                    "no_address",
                    domain,
                    550,
                    "5.4.4",
                    "no MX host of " + domain + " has an address (" + site.name() + ")");
        }
        List<MxHost> ordered = new ArrayList<>();
        for (List<MxHost> equal : byPreference.values()) {
            if (equal.size() > 1) {
                Collections.shuffle(equal, random);
            }
            ordered.addAll(equal);
        }
        metrics.countLookup(implicit ? "implicit" : "ok");
        // the site is the set of hosts after CNAME resolution: an alias of another domain's MX is that MX
        List<String> canonical = new ArrayList<>();
        for (HostAddresses h : looked) canonical.add(h.canonical());
        return new MxResult.Resolved(domain, ordered, Site.of(canonical), implicit, expires);
    }

    private MxResult literal(String text) {
        String inner = text.endsWith("]") ? text.substring(1, text.length() - 1) : "";
        boolean v6 = inner.regionMatches(true, 0, "IPv6:", 0, 5);
        String address = v6 ? inner.substring(5) : inner;
        InetAddress parsed =
                v6 ? parse(address, Address.IPv6) : Address.isDottedQuad(address) ? parse(address, Address.IPv4) : null;
        if (parsed == null) {
            return permanent("invalid", text, 550, "5.1.2", "invalid address literal '" + text + "'");
        }
        String host = parsed.getHostAddress();
        MxHost mxHost = parsed instanceof Inet4Address v4
                ? new MxHost(host, 0, List.of(v4), List.of())
                : new MxHost(host, 0, List.of(), List.of((Inet6Address) parsed));
        metrics.countLookup("implicit");
        return new MxResult.Resolved(
                text, List.of(mxHost), Site.of(host), true, clock.instant().plus(settings.maxTtl()));
    }

    private static InetAddress parse(String address, int family) {
        try {
            return Address.getByAddress(address, family);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private MxResult permanent(String result, String domain, int code, String enhanced, String text) {
        metrics.countLookup(result);
        return new MxResult.PermanentFailure(domain, code, enhanced, text);
    }

    private MxResult temporary(Kind kind, String domain, String text) {
        metrics.countLookup(kind.tag);
        MxResult.Cause cause = switch (kind) {
            case SERVFAIL -> MxResult.Cause.SERVFAIL;
            case TIMEOUT -> MxResult.Cause.TIMEOUT;
            case ERROR -> MxResult.Cause.ERROR;
        };
        return new MxResult.TemporaryFailure(domain, 451, "4.4.3", text, cause);
    }

    /** Lower case, ASCII (IDNA), without trailing dot. */
    static String normalize(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.indexOf('@') >= 0 || d.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("invalid domain: " + domain);
        }
        boolean ascii = d.chars().allMatch(c -> c < 0x80);
        return (ascii ? d : IDN.toASCII(d, IDN.ALLOW_UNASSIGNED)).toLowerCase(Locale.ROOT);
    }
}
