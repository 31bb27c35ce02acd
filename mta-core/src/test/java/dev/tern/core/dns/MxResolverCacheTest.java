package dev.tern.core.dns;

import static dev.tern.core.dns.DnsFixture.resolve;
import static dev.tern.core.dns.DnsFixture.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.dns.TestDnsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** TTLs, negative caching, the size bound, coalescing and metrics, against a real DNS server. */
class MxResolverCacheTest {

    private DnsFixture fx;
    private TestDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        fx = new DnsFixture(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        dns = fx.dns;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private static String firstAddress(MxResult.Resolved result) {
        return result.hosts().get(0).addresses().get(0).getHostAddress();
    }

    @Test
    void answersAreCachedUntilTheirTtlExpiresThenAskedAgain() {
        dns.mx("ttl.example", 10, "mx.ttl.example", 60).a("mx.ttl.example", "127.0.0.10", 60);
        MxResolver resolver = fx.resolver();
        MxResult.Resolved before = resolved(resolver, "ttl.example");
        assertThat(firstAddress(before)).isEqualTo("127.0.0.10");
        assertThat(before.expires()).isEqualTo(DnsFixture.START.plusSeconds(60));
        dns.clearQueries();
        double hits = fx.counter("tern.dns.cache.hits");

        dns.remove("mx.ttl.example", Type.A).a("mx.ttl.example", "127.0.0.11", 60);
        fx.clock.advance(Duration.ofSeconds(59));
        MxResult.Resolved cached = resolved(resolver, "ttl.example");

        assertThat(firstAddress(cached)).as("still cached").isEqualTo("127.0.0.10");
        assertThat(dns.totalQueries()).isZero();
        assertThat(fx.counter("tern.dns.cache.hits")).isEqualTo(hits + 3); // MX, A, AAAA

        fx.clock.advance(Duration.ofSeconds(2));
        MxResult.Resolved fresh = resolved(resolver, "ttl.example");

        assertThat(firstAddress(fresh)).isEqualTo("127.0.0.11");
        assertThat(dns.queryCount("ttl.example", Type.MX)).isEqualTo(1);
        assertThat(dns.queryCount("mx.ttl.example", Type.A)).isEqualTo(1);
        assertThat(fresh.expires()).isEqualTo(DnsFixture.START.plusSeconds(121));
    }

    @Test
    void eachRecordSetKeepsItsOwnTtl() {
        dns.mx("split.example", 10, "mx.split.example", 3600).a("mx.split.example", "127.0.0.12", 30);
        MxResolver resolver = fx.resolver();
        assertThat(resolved(resolver, "split.example").expires()).isEqualTo(DnsFixture.START.plusSeconds(30));
        dns.clearQueries();

        fx.clock.advance(Duration.ofSeconds(31));
        resolved(resolver, "split.example");

        assertThat(dns.queryCount("split.example", Type.MX))
                .as("MX still fresh")
                .isZero();
        assertThat(dns.queryCount("mx.split.example", Type.A)).isEqualTo(1);
    }

    @Test
    void ttlsAreCappedByMaxTtl() {
        dns.mx("long.example", 10, "mx.long.example", 7 * 86400)
                .a("mx.long.example", "127.0.0.13", 7 * 86400)
                .aaaa("mx.long.example", "::1", 7 * 86400);
        MxResult.Resolved result = resolved(fx.resolver(), "long.example");
        assertThat(result.expires()).isEqualTo(DnsFixture.START.plus(Duration.ofDays(1)));
    }

    @Test
    void nxdomainIsCachedForTheSoaMinimum() {
        dns.negativeTtl(30);
        MxResolver resolver = fx.resolver();
        assertThat(resolve(resolver, "new.example")).isInstanceOf(MxResult.PermanentFailure.class);
        dns.mx("new.example", 10, "mx.new.example", 300).a("mx.new.example", "127.0.0.14", 300);

        fx.clock.advance(Duration.ofSeconds(29));
        assertThat(resolve(resolver, "new.example"))
                .as("negative answer cached")
                .isInstanceOf(MxResult.PermanentFailure.class);
        assertThat(dns.queryCount("new.example", Type.MX)).isEqualTo(1);

        fx.clock.advance(Duration.ofSeconds(2));
        assertThat(resolve(resolver, "new.example")).isInstanceOf(MxResult.Resolved.class);
        assertThat(dns.queryCount("new.example", Type.MX)).isEqualTo(2);
    }

    @Test
    void negativeTtlFromTheSoaIsCappedByTheSetting() {
        dns.negativeTtl(86400);
        MxResolver resolver = fx.resolver(); // negativeTtl setting: 10 minutes
        resolve(resolver, "capped.example");
        fx.clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        resolve(resolver, "capped.example");
        assertThat(dns.queryCount("capped.example", Type.MX)).isEqualTo(2);
    }

    @Test
    void nodataIsCachedToo() {
        dns.negativeTtl(120).a("plain.example", "127.0.0.15", 600);
        MxResolver resolver = fx.resolver();
        resolved(resolver, "plain.example");
        fx.clock.advance(Duration.ofSeconds(119));
        resolved(resolver, "plain.example");
        assertThat(dns.queryCount("plain.example", Type.MX)).isEqualTo(1);
        assertThat(dns.queryCount("plain.example", Type.AAAA)).isEqualTo(1);
        fx.clock.advance(Duration.ofSeconds(2));
        resolved(resolver, "plain.example");
        assertThat(dns.queryCount("plain.example", Type.MX)).isEqualTo(2);
    }

    @Test
    void servfailIsCachedOnlyBriefly() {
        dns.mx("wobbly.example", 10, "mx.wobbly.example", 300)
                .a("mx.wobbly.example", "127.0.0.16", 300)
                .servfail("wobbly.example");
        MxResolver resolver = fx.resolver(); // failureTtl: 5 s
        assertThat(resolve(resolver, "wobbly.example")).isInstanceOf(MxResult.TemporaryFailure.class);
        dns.heal("wobbly.example");

        fx.clock.advance(Duration.ofSeconds(4));
        assertThat(resolve(resolver, "wobbly.example")).isInstanceOf(MxResult.TemporaryFailure.class);
        assertThat(dns.queryCount("wobbly.example", Type.MX)).isEqualTo(1);

        fx.clock.advance(Duration.ofSeconds(2));
        assertThat(resolve(resolver, "wobbly.example")).isInstanceOf(MxResult.Resolved.class);
    }

    @Test
    void concurrentLookupsOfOneNameShareOneQuery() throws Exception {
        dns.mx("busy.example", 10, "mx.busy.example", 300)
                .a("mx.busy.example", "127.0.0.17", 300)
                .delay("busy.example", Duration.ofMillis(250));
        DnsSettings noCache = fx.settings(List.of(dns.address()), Duration.ofSeconds(3), 1, 0);
        MxResolver resolver = fx.resolver(noCache);

        List<CompletableFuture<MxResult>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(resolver.resolve("busy.example"));
        }
        for (CompletableFuture<MxResult> f : futures) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(MxResult.Resolved.class);
        }
        assertThat(dns.queryCount("busy.example", Type.MX)).isEqualTo(1);

        resolved(resolver, "busy.example");
        assertThat(dns.queryCount("busy.example", Type.MX))
                .as("nothing cached: coalescing did it")
                .isEqualTo(2);
        assertThat(resolver.cacheSize()).isZero();
    }

    @Test
    void cacheSizeIsBounded() {
        MxResolver resolver = fx.resolver(fx.settings(List.of(dns.address()), 1, 5));
        for (int i = 0; i < 20; i++) {
            dns.a("host" + i + ".example", "127.0.1." + (i + 1), 300);
            resolved(resolver, "host" + i + ".example");
            assertThat(resolver.cacheSize()).isLessThanOrEqualTo(5);
        }
        // The most recent domain is still cached, the first was evicted.
        dns.clearQueries();
        resolved(resolver, "host19.example");
        assertThat(dns.totalQueries()).isZero();
        resolved(resolver, "host0.example");
        assertThat(dns.queryCount("host0.example", Type.MX)).isEqualTo(1);
    }

    @Test
    void clearCacheForgetsEverything() {
        dns.a("forget.example", "127.0.0.18", 300);
        MxResolver resolver = fx.resolver();
        resolved(resolver, "forget.example");
        assertThat(resolver.cacheSize()).isEqualTo(3);
        resolver.clearCache();
        resolved(resolver, "forget.example");
        assertThat(dns.queryCount("forget.example", Type.MX)).isEqualTo(2);
    }

    @Test
    void aNewResolverOnTheSameRegistryTakesOverTheCacheGauge() {
        dns.a("gauge.example", "127.0.0.20", 300);
        MxResolver old = fx.resolver();
        resolved(old, "gauge.example");
        MxResolver replacement = fx.resolver();
        assertThat(fx.registry.get("tern.dns.cache.entries").gauge().value()).isZero();
        resolved(replacement, "gauge.example");
        assertThat(fx.registry.get("tern.dns.cache.entries").gauge().value()).isEqualTo(3);
        assertThat(fx.registry.find("tern.dns.cache.entries").gauges()).hasSize(1);
    }

    @Test
    void metricsRenderWithPrometheusNames() {
        dns.mx("m.example", 10, "mx.m.example", 300).a("mx.m.example", "127.0.0.19", 300);
        MxResolver resolver = fx.resolver();
        resolved(resolver, "m.example");
        resolved(resolver, "m.example");
        resolve(resolver, "nx.example");

        String scrape = ((PrometheusMeterRegistry) fx.registry).scrape();

        assertThat(scrape)
                .contains("tern_dns_lookups_total{result=\"ok\"} 2.0")
                .contains("tern_dns_lookups_total{result=\"nxdomain\"} 1.0")
                .contains("tern_dns_lookups_total{result=\"servfail\"} 0.0")
                .contains("tern_dns_cache_hits_total 3.0")
                .contains("tern_dns_cache_misses_total 4.0")
                .contains("tern_dns_queries_total{result=\"noerror\"} 3.0")
                .contains("tern_dns_cache_entries 4.0");
    }
}
