package dev.tern.bench.throttle;

import dev.tern.core.shaping.TokenBucket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The shaping token bucket's acquire path ({@link TokenBucket#tryTake}), as the delivery engine
 * calls it per message: one thread alone, and 4 threads contending for one site's bucket (the
 * engine's connections to one site ask the same bucket). {@code intervalNanos} 0 is the unlimited
 * fast path; 1000 ns (1M/s) makes most calls find the bucket empty, like a throttled site.
 * Run: {@code bin/tern bench jmh Throttle -f 1 -wi 2 -i 3 -w 2s -r 2s}.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ThrottleBenchmark {
    @Param({"0", "1000"})
    public long intervalNanos;

    private TokenBucket bucket;

    @Setup
    public void setup() {
        bucket = new TokenBucket(intervalNanos);
    }

    @Benchmark
    @Group("alone")
    @GroupThreads(1)
    public long alone() {
        return bucket.tryTake(System.nanoTime());
    }

    @Benchmark
    @Group("contended4")
    @GroupThreads(4)
    public long contended() {
        return bucket.tryTake(System.nanoTime());
    }
}
