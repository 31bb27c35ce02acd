package dev.tern.core.dns;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The resolver's Micrometer meters. In Prometheus: {@code tern_dns_lookups_total{result}} (one per
 * {@link MxResolver#resolve} call: ok, implicit, null_mx, nxdomain, no_address, invalid, servfail,
 * timeout, error), {@code tern_dns_cache_hits_total} and {@code tern_dns_cache_misses_total} (per
 * name-and-type lookup), {@code tern_dns_queries_total{result}} (questions sent to servers: noerror,
 * nxdomain, servfail, timeout, error) and the gauge {@code tern_dns_cache_entries}.
 */
final class DnsMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> lookups = new ConcurrentHashMap<>();
    private final Map<String, Counter> queries = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;

    DnsMetrics(MeterRegistry registry, Supplier<Number> cacheEntries) {
        this.registry = registry;
        this.hits = Counter.builder("tern.dns.cache.hits")
                .description("DNS answers served from the resolver cache")
                .register(registry);
        this.misses = Counter.builder("tern.dns.cache.misses")
                .description("DNS answers not in the resolver cache (queried or joined an in-flight query)")
                .register(registry);
        // The newest resolver owns the gauge (a resolver rebuilt on reload replaces the old one).
        Gauge previous = registry.find("tern.dns.cache.entries").gauge();
        if (previous != null) {
            registry.remove(previous);
        }
        Gauge.builder("tern.dns.cache.entries", cacheEntries)
                .description("Answers in the DNS cache")
                .strongReference(true)
                .register(registry);
        for (String result :
                new String[] {"ok", "implicit", "null_mx", "nxdomain", "no_address", "servfail", "timeout"}) {
            lookupCounter(result);
        }
    }

    void hit() {
        hits.increment();
    }

    void miss() {
        misses.increment();
    }

    void countLookup(String result) {
        lookupCounter(result).increment();
    }

    private Counter lookupCounter(String result) {
        return lookups.computeIfAbsent(
                result,
                r -> Counter.builder("tern.dns.lookups")
                        .tag("result", r)
                        .description("MX resolutions by result")
                        .register(registry));
    }

    void countQuery(String result) {
        queries.computeIfAbsent(
                        result,
                        r -> Counter.builder("tern.dns.queries")
                                .tag("result", r)
                                .description("DNS questions sent to servers by result")
                                .register(registry))
                .increment();
    }
}
