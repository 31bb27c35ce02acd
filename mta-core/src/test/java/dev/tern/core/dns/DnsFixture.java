package dev.tern.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/** A test DNS server on loopback, a hand-moved clock and a metrics registry for resolver tests. */
final class DnsFixture implements AutoCloseable {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final TestDnsServer dns;
    final MutableClock clock = new MutableClock(START);
    final MeterRegistry registry;

    DnsFixture() throws IOException {
        this(new SimpleMeterRegistry());
    }

    DnsFixture(MeterRegistry registry) throws IOException {
        this.dns = TestDnsServer.start();
        this.registry = registry;
    }

    /** 1 s timeout, 1 attempt, 1000 entries, 10 min negative cap, 1 d max TTL, 5 s failures. */
    DnsSettings settings() {
        return settings(List.of(dns.address()), 1, 1000);
    }

    DnsSettings settings(List<InetSocketAddress> servers, int attempts, int cacheSize) {
        return settings(servers, Duration.ofSeconds(1), attempts, cacheSize);
    }

    DnsSettings settings(List<InetSocketAddress> servers, Duration timeout, int attempts, int cacheSize) {
        return new DnsSettings(
                servers,
                timeout,
                attempts,
                cacheSize,
                Duration.ofMinutes(10),
                Duration.ofDays(1),
                Duration.ofSeconds(5));
    }

    MxResolver resolver() {
        return resolver(settings());
    }

    MxResolver resolver(DnsSettings settings) {
        return new MxResolver(settings, registry, clock, new Random(42), ForkJoinPool.commonPool());
    }

    static MxResult resolve(MxResolver resolver, String domain) {
        try {
            return resolver.resolve(domain).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("resolve(" + domain + ") did not complete normally", e);
        }
    }

    static MxResult.Resolved resolved(MxResolver resolver, String domain) {
        MxResult result = resolve(resolver, domain);
        assertThat(result).as("resolution of %s", domain).isInstanceOf(MxResult.Resolved.class);
        return (MxResult.Resolved) result;
    }

    double lookups(String result) {
        var counter = registry.find("tern.dns.lookups").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        dns.close();
    }
}
