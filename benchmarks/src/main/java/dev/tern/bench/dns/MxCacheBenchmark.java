package dev.tern.bench.dns;

import dev.tern.core.dns.DnsSettings;
import dev.tern.core.dns.MxResolver;
import dev.tern.core.dns.MxResult;
import dev.tern.testkit.dns.TestDnsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The MX resolver's cache-hit path: a domain whose MX, A and AAAA answers are all cached, resolved
 * again (cache reads, ordering with shuffle among equal preferences, result assembly). Answers come
 * from an in-process DNS server on loopback once, in setup.
 * Run: {@code benchmarks/bin/bench jmh MxCache -f 1 -wi 2 -i 3 -w 2s -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MxCacheBenchmark {

    /** Number of MX hosts of the domain, half of them at the same preference. */
    @Param({"1", "4"})
    public int mxHosts;

    private TestDnsServer dns;
    private MxResolver resolver;

    @Setup
    public void setup() throws IOException {
        dns = TestDnsServer.start();
        for (int i = 0; i < mxHosts; i++) {
            String host = "mx" + i + ".bench.example";
            dns.mx("bench.example", 10 * (i / 2 + 1), host, 86400)
                    .a(host, "127.0.0." + (i + 2), 86400)
                    .aaaa(host, "::1", 86400);
        }
        DnsSettings settings = new DnsSettings(
                List.of(dns.address()),
                Duration.ofSeconds(2),
                2,
                10_000,
                Duration.ofHours(1),
                Duration.ofDays(1),
                Duration.ofSeconds(10));
        resolver = new MxResolver(settings, new SimpleMeterRegistry());
        if (!(resolver.resolve("bench.example").join() instanceof MxResult.Resolved)) {
            throw new IllegalStateException("benchmark domain did not resolve");
        }
    }

    @TearDown
    public void tearDown() {
        dns.close();
    }

    @Benchmark
    @Threads(1)
    public MxResult cachedResolve() {
        return resolver.resolve("bench.example").join();
    }

    @Benchmark
    @Threads(2)
    public MxResult cachedResolveTwoThreads() {
        return resolver.resolve("bench.example").join();
    }
}
