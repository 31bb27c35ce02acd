package dev.tern.core.dns;

import dev.tern.core.dns.DnsAnswer.Kind;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Looks up one name and type: from the cache when fresh, otherwise by querying the servers, with
 * concurrent lookups of the same name and type joined into one query. CNAME chains are followed,
 * from the answer section and by further queries when a server returns only part of the chain, up
 * to {@value #MAX_CNAME_HOPS} aliases. Answers are cached for their TTL (the smallest along the
 * chain, capped by {@code maxTtl}); NXDOMAIN and NODATA for the SOA-derived negative TTL (RFC 2308,
 * capped by {@code negativeTtl}); failures for {@code failureTtl}.
 */
final class RecordLookup {

    static final int MAX_CNAME_HOPS = 8;

    private final DnsClient client;
    private final DnsCache cache;
    private final DnsSettings settings;
    private final Clock clock;
    private final DnsMetrics metrics;
    private final ConcurrentHashMap<DnsCache.Key, CompletableFuture<DnsAnswer>> inFlight = new ConcurrentHashMap<>();

    RecordLookup(DnsClient client, DnsCache cache, DnsSettings settings, Clock clock, DnsMetrics metrics) {
        this.client = client;
        this.cache = cache;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The answer for a canonical (lower-case, absolute) name and a type; never completes exceptionally. */
    CompletableFuture<DnsAnswer> lookup(Name name, int type) {
        DnsCache.Key key = new DnsCache.Key(name, type);
        DnsAnswer cached = cache.get(key, clock.instant());
        if (cached != null) {
            metrics.hit();
            return CompletableFuture.completedFuture(cached);
        }
        metrics.miss();
        CompletableFuture<DnsAnswer> mine = new CompletableFuture<>();
        CompletableFuture<DnsAnswer> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        // A query may have completed between the cache read and our registration.
        cached = cache.get(key, clock.instant());
        if (cached != null) {
            inFlight.remove(key, mine);
            mine.complete(cached);
            return mine;
        }
        CompletableFuture<DnsAnswer> fetched;
        try {
            fetched = fetch(name, type, 0, Instant.MAX);
        } catch (RuntimeException e) {
            fetched = CompletableFuture.failedFuture(e);
        }
        fetched.whenComplete((answer, error) -> {
            DnsAnswer outcome = error == null
                    ? answer
                    : failure(Kind.ERROR, "lookup of " + name + " failed: " + error, clock.instant());
            cache.put(key, outcome, clock.instant());
            inFlight.remove(key, mine);
            mine.complete(outcome);
        });
        return mine;
    }

    /** Queries {@code name}; {@code chainLimit} is the expiry imposed by the CNAMEs that led here. */
    private CompletableFuture<DnsAnswer> fetch(Name name, int type, int hops, Instant chainLimit) {
        return client.query(name, type)
                .handle((response, error) -> {
                    Instant now = clock.instant();
                    if (error != null) {
                        Throwable cause = DnsClient.unwrap(error);
                        if (cause instanceof TimeoutException) {
                            metrics.countQuery("timeout");
                            return CompletableFuture.completedFuture(
                                    failure(Kind.TIMEOUT, "timeout querying " + name + " " + Type.string(type), now));
                        }
                        metrics.countQuery("error");
                        String why = cause instanceof IOException ? cause.getMessage() : cause.toString();
                        return CompletableFuture.completedFuture(failure(
                                Kind.ERROR, "error querying " + name + " " + Type.string(type) + ": " + why, now));
                    }
                    Step step = interpret(response, name, type, hops, now);
                    metrics.countQuery(queryResult(response.getRcode()));
                    if (step.next() == null) {
                        return CompletableFuture.completedFuture(limit(step.answer(), chainLimit));
                    }
                    Instant limit = min(chainLimit, step.chainExpires());
                    if (step.hops() > MAX_CNAME_HOPS) {
                        return CompletableFuture.completedFuture(failure(
                                Kind.ERROR, "CNAME chain from " + name + " longer than " + MAX_CNAME_HOPS, now));
                    }
                    return fetch(step.next(), type, step.hops(), limit);
                })
                .thenCompose(f -> f);
    }

    /**
     * The result of one response: a final answer, or the alias to query next (when the server gave
     * only the start of a CNAME chain) with the hop count and the chain's expiry.
     */
    private record Step(DnsAnswer answer, Name next, int hops, Instant chainExpires) {}

    private Step interpret(Message response, Name qname, int qtype, int hops, Instant now) {
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            Kind kind = rcode == Rcode.SERVFAIL ? Kind.SERVFAIL : Kind.ERROR;
            return done(failure(kind, Rcode.string(rcode) + " for " + qname + " " + Type.string(qtype), now));
        }
        List<Record> answers = response.getSection(Section.ANSWER);
        Name current = qname;
        long chainTtl = Long.MAX_VALUE;
        while (true) {
            List<Record> matches = new ArrayList<>();
            CNAMERecord alias = null;
            for (Record r : answers) {
                if (!r.getName().equals(current)) {
                    continue;
                }
                if (r.getType() == qtype) {
                    matches.add(r);
                } else if (r.getType() == Type.CNAME && alias == null) {
                    alias = (CNAMERecord) r;
                }
            }
            if (!matches.isEmpty()) {
                long ttl = Math.min(
                        chainTtl,
                        matches.stream().mapToLong(Record::getTTL).min().orElseThrow());
                List<Object> values = matches.stream().map(DnsAnswer::decode).toList();
                return done(new DnsAnswer.Records(current.canonicalize(), values, expiry(now, ttl, settings.maxTtl())));
            }
            if (alias == null || qtype == Type.CNAME) {
                break;
            }
            chainTtl = Math.min(chainTtl, alias.getTTL());
            current = alias.getTarget().canonicalize();
            if (++hops > MAX_CNAME_HOPS) {
                return done(failure(Kind.ERROR, "CNAME chain from " + qname + " longer than " + MAX_CNAME_HOPS, now));
            }
        }
        SOARecord soa = soa(response);
        Instant negativeExpiry = min(negativeExpiry(soa, now), expiry(now, chainTtl, settings.maxTtl()));
        if (rcode == Rcode.NXDOMAIN) {
            return done(new DnsAnswer.NxDomain(negativeExpiry));
        }
        if (!current.equals(qname) && soa == null) {
            // Only the start of the chain: ask for the alias (a server outside the target's zone).
            return new Step(null, current, hops, expiry(now, chainTtl, settings.maxTtl()));
        }
        return done(new DnsAnswer.NoData(negativeExpiry));
    }

    private static Step done(DnsAnswer answer) {
        return new Step(answer, null, 0, answer.expires());
    }

    private Instant negativeExpiry(SOARecord soa, Instant now) {
        if (soa == null) {
            return now.plus(settings.negativeTtl());
        }
        long ttl = Math.min(soa.getTTL(), soa.getMinimum());
        return expiry(now, ttl, settings.negativeTtl());
    }

    private static SOARecord soa(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return soa;
            }
        }
        return null;
    }

    private DnsAnswer failure(Kind kind, String detail, Instant now) {
        return new DnsAnswer.Failure(kind, detail, now.plus(settings.failureTtl()));
    }

    private static DnsAnswer limit(DnsAnswer answer, Instant limit) {
        if (!answer.expires().isAfter(limit) || answer instanceof DnsAnswer.Failure) {
            return answer;
        }
        return switch (answer) {
            case DnsAnswer.Records r -> new DnsAnswer.Records(r.canonical(), r.values(), limit);
            case DnsAnswer.NxDomain n -> new DnsAnswer.NxDomain(limit);
            case DnsAnswer.NoData n -> new DnsAnswer.NoData(limit);
            case DnsAnswer.Failure f -> f;
        };
    }

    private static Instant expiry(Instant now, long ttlSeconds, Duration cap) {
        if (ttlSeconds == Long.MAX_VALUE) {
            return now.plus(cap);
        }
        return now.plus(Duration.ofSeconds(ttlSeconds).compareTo(cap) < 0 ? Duration.ofSeconds(ttlSeconds) : cap);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String queryResult(int rcode) {
        return switch (rcode) {
            case Rcode.NOERROR -> "noerror";
            case Rcode.NXDOMAIN -> "nxdomain";
            case Rcode.SERVFAIL -> "servfail";
            default -> "error";
        };
    }

    int cacheSize() {
        return cache.size();
    }

    void clearCache() {
        cache.clear();
    }
}
