package dev.tern.core.tlspolicy;

import dev.tern.core.delivery.smtp.TlsPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * The DNS questions of the TLS policies, on the configured resolvers: TXT records
 * ({@code _mta-sts.DOMAIN}, {@code _smtp._tls.DOMAIN}), the address of an MTA-STS policy host, and
 * TLSA records with their DNSSEC status, either validated here by dnsjava's
 * {@link ValidatingResolver} from configured trust anchors or read from a trusted validating
 * resolver's AD bit. Answers are cached for their TTL (at most an hour; failures 30 s), at most
 * {@value #MAX_CACHED} names.
 */
public final class PolicyDns {
    static final int MAX_CACHED = 20_000;
    private static final Duration MAX_TTL = Duration.ofHours(1);
    private static final Duration FAILURE_TTL = Duration.ofSeconds(30);

    /** How DNSSEC answers are trusted. */
    public enum Dnssec {
        OFF,
        AD_BIT,
        VALIDATE
    }

    /** A TLSA lookup's outcome (RFC 7672 section 2.2). */
    public sealed interface Tlsa {
        /** Validated records (possibly none usable). */
        record Secure(List<TlsPolicy.Tlsa> records) implements Tlsa {}

        /** Validated proof that the host has no TLSA records. */
        record SecureNone() implements Tlsa {}

        /** Not signed (or not validated): DANE does not apply. */
        record Insecure() implements Tlsa {}

        /** Signed but the signatures do not validate, or the resolver failed: the host must not be used. */
        record Bogus(String reason) implements Tlsa {}
    }

    private record Cached(Object value, Instant expires) {}

    private final Resolver plain;
    private final Resolver tlsaResolver;
    private final Dnssec dnssec;
    private final Clock clock;
    private final Executor executor;
    private final Duration timeout;
    private final Map<String, Cached> cache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /**
     * @param servers      resolvers (empty: the system's)
     * @param dnssec       how TLSA answers are trusted
     * @param trustAnchors with {@link Dnssec#VALIDATE}: DS/DNSKEY records in zone-file format
     * @param timeout      one lookup, validation included
     */
    public PolicyDns(
            List<InetSocketAddress> servers,
            Dnssec dnssec,
            String trustAnchors,
            Duration timeout,
            Clock clock,
            Executor executor) {
        List<InetSocketAddress> targets =
                servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        InetSocketAddress server =
                targets.isEmpty() ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 53) : targets.get(0);
        SimpleResolver simple = new SimpleResolver(server);
        simple.setTimeout(timeout);
        this.plain = simple;
        this.dnssec = dnssec;
        this.clock = clock;
        this.executor = executor;
        this.timeout = timeout;
        switch (dnssec) {
            case VALIDATE -> {
                SimpleResolver head = new SimpleResolver(server);
                head.setTimeout(timeout);
                ValidatingResolver v = new ValidatingResolver(head, clock);
                try {
                    v.loadTrustAnchors(new ByteArrayInputStream(
                            trustAnchors.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    throw new IllegalArgumentException("bad DNSSEC trust anchors: " + e.getMessage(), e);
                }
                v.setTimeout(timeout);
                this.tlsaResolver = v;
            }
            case AD_BIT -> {
                SimpleResolver ad = new SimpleResolver(server);
                ad.setTimeout(timeout);
                ad.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
                this.tlsaResolver = ad;
            }
            default -> this.tlsaResolver = null;
        }
    }

    /** Whether TLSA records are looked up at all. */
    public boolean daneEnabled() {
        return tlsaResolver != null;
    }

    /** The TXT strings of a name (each record's strings joined); empty when it has none. Fails on DNS trouble. */
    public CompletableFuture<List<String>> txt(String name) {
        return cached(
                "txt:" + name,
                () -> query(plain, name, Type.TXT, false).thenApply(m -> {
                    int rcode = m.getRcode();
                    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN)
                        throw new IllegalStateException("TXT lookup of " + name + ": " + Rcode.string(rcode));
                    List<String> out = new ArrayList<>();
                    long ttl = MAX_TTL.toSeconds();
                    for (Record r : m.getSection(Section.ANSWER)) {
                        if (r instanceof TXTRecord t) {
                            out.add(String.join("", t.getStrings()));
                            ttl = Math.min(ttl, r.getTTL());
                        }
                    }
                    return new Cached(List.copyOf(out), clock.instant().plusSeconds(out.isEmpty() ? 300 : ttl));
                }));
    }

    /** The IPv4 addresses of a host (for the MTA-STS policy host); fails when it has none. */
    public CompletableFuture<List<InetAddress>> addresses(String host) {
        return cached(
                "a:" + host,
                () -> query(plain, host, Type.A, false).thenApply(m -> {
                    List<InetAddress> out = new ArrayList<>();
                    long ttl = MAX_TTL.toSeconds();
                    for (Record r : m.getSection(Section.ANSWER)) {
                        if (r instanceof ARecord a) {
                            out.add(a.getAddress());
                            ttl = Math.min(ttl, r.getTTL());
                        }
                    }
                    if (out.isEmpty()) throw new IllegalStateException("no address for " + host);
                    return new Cached(List.copyOf(out), clock.instant().plusSeconds(ttl));
                }));
    }

    /** The TLSA records of {@code _25._tcp.HOST} with their DNSSEC status; never fails. */
    public CompletableFuture<Tlsa> tlsa(String host) {
        if (tlsaResolver == null) return CompletableFuture.completedFuture(new Tlsa.Insecure());
        String qname = "_25._tcp." + host;
        return cached(
                        "tlsa:" + host,
                        () -> query(tlsaResolver, qname, Type.TLSA, dnssec == Dnssec.AD_BIT)
                                .handle((m, e) -> {
                                    Instant now = clock.instant();
                                    if (e != null)
                                        return new Cached(
                                                dnssec == Dnssec.VALIDATE
                                                        ? new Tlsa.Bogus(
                                                                "TLSA lookup of " + qname + " failed: " + root(e))
                                                        : new Tlsa.Insecure(),
                                                now.plus(FAILURE_TTL));
                                    return interpret(qname, m, now);
                                }))
                .thenApply(t -> (Tlsa) t);
    }

    private Cached interpret(String qname, Message m, Instant now) {
        int rcode = m.getRcode();
        boolean secure = m.getHeader().getFlag(Flags.AD);
        if (rcode == Rcode.SERVFAIL) {
            String reason = "DNSSEC validation of " + qname + " failed";
            for (Record r : m.getSection(Section.ADDITIONAL)) {
                if (r instanceof TXTRecord t && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS)
                    reason += ": " + String.join("", t.getStrings());
            }
            return new Cached(new Tlsa.Bogus(reason), now.plus(FAILURE_TTL));
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN)
            return new Cached(
                    new Tlsa.Bogus("TLSA lookup of " + qname + ": " + Rcode.string(rcode)), now.plus(FAILURE_TTL));
        if (!secure) return new Cached(new Tlsa.Insecure(), now.plus(Duration.ofMinutes(5)));
        List<TlsPolicy.Tlsa> records = new ArrayList<>();
        long ttl = MAX_TTL.toSeconds();
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof TLSARecord t) {
                records.add(new TlsPolicy.Tlsa(
                        t.getCertificateUsage(),
                        t.getSelector(),
                        t.getMatchingType(),
                        t.getCertificateAssociationData()));
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (records.isEmpty()) return new Cached(new Tlsa.SecureNone(), now.plus(Duration.ofMinutes(5)));
        return new Cached(new Tlsa.Secure(List.copyOf(records)), now.plusSeconds(ttl));
    }

    private CompletableFuture<Message> query(Resolver r, String name, int type, boolean askAd) {
        try {
            Name n = Name.fromString(name.endsWith(".") ? name : name + ".");
            Message q = Message.newQuery(Record.newRecord(n, type, DClass.IN));
            if (askAd) q.getHeader().setFlag(Flags.AD);
            return r.sendAsync(q, executor)
                    .toCompletableFuture()
                    .orTimeout(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> cached(String key, java.util.function.Supplier<CompletableFuture<Cached>> load) {
        Instant now = clock.instant();
        synchronized (cache) {
            Cached c = cache.get(key);
            if (c != null && c.expires().isAfter(now)) return CompletableFuture.completedFuture((T) c.value());
        }
        return load.get().thenApply(c -> {
            synchronized (cache) {
                cache.put(key, c);
            }
            return (T) c.value();
        });
    }

    /** Forgets every cached answer. */
    public void clear() {
        synchronized (cache) {
            cache.clear();
        }
    }

    static String root(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) c = c.getCause();
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
