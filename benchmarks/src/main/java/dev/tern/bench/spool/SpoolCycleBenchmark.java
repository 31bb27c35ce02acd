package dev.tern.bench.spool;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The spool's whole per-message path as the relay drives it (issue 17): 16 injecting threads each
 * store a message (one entry, synced: they wait for the group commit, as a session waits for its
 * 250) while one delivery thread leases what is due, opens each body and completes the entry (the
 * outcome, deferrable). The score of {@code relay:inject} is messages stored per second; at the end
 * of each iteration the process CPU per message stored is printed ({@code cpu/msg}), the figure the
 * relay's CPU budget calls "spool write + sync".
 *
 * <p>It uses only the spool's public API, so the same class runs against an older build for an A/B
 * in one session: {@code bench jmh SpoolCycle -f 1 -wi 2 -i 3 -w 5s -r 5s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class SpoolCycleBenchmark {
    /** An open spool in a temporary directory, deleted afterwards. */
    @State(Scope.Group)
    public static class Cycle {
        @Param({"5120"})
        int size;

        Path dir;
        Spool spool;
        byte[] body;
        final AtomicLong seq = new AtomicLong();
        final AtomicLong stored = new AtomicLong();
        long cpu0, stored0;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("tern-spool-cycle");
            spool = Spool.open(SpoolSettings.defaults(dir).withMinFreeDiskBytes(0));
            body = new byte[size];
            Arrays.fill(body, (byte) 'x');
            byte[] head = "Subject: bench\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(head, 0, body, 0, head.length);
            for (int i = 76; i < size; i += 78) {
                body[i] = '\r';
                if (i + 1 < size) body[i + 1] = '\n';
            }
        }

        @Setup(Level.Iteration)
        public void mark() {
            cpu0 = processCpuNanos();
            stored0 = stored.get();
        }

        @TearDown(Level.Iteration)
        public void report() {
            long n = stored.get() - stored0;
            if (n > 0)
                System.out.printf(
                        " [cpu/msg %.1f µs over %d messages, in flight %d] ",
                        (processCpuNanos() - cpu0) / 1e3 / n, n, spool.stats().entries());
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            spool.close();
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @Benchmark
    @Group("relay")
    @GroupThreads(16)
    public void inject(Cycle c) {
        Envelope env = new Envelope(
                "m-" + c.seq.getAndIncrement(),
                "b@sender.example",
                "",
                "",
                "",
                false,
                System.currentTimeMillis(),
                System.currentTimeMillis() + 86_400_000L,
                c.body.length,
                Map.of("dkim", "pass"));
        c.spool
                .store(
                        env,
                        c.body,
                        List.of(new QueueEntry(
                                env,
                                "example.com",
                                List.of(RecipientState.pending("a@example.com")),
                                0,
                                System.currentTimeMillis())))
                .join();
        c.stored.incrementAndGet();
    }

    @Benchmark
    @Group("relay")
    @GroupThreads(1)
    public int deliver(Cycle c) {
        List<QueueEntry> due = c.spool.due(System.currentTimeMillis(), 200);
        if (due.isEmpty()) {
            LockSupport.parkNanos(100_000);
            return 0;
        }
        List<CompletableFuture<Void>> outcomes = new ArrayList<>(due.size());
        int bytes = 0;
        for (QueueEntry e : due) {
            bytes += c.spool.openBody(e.messageId()).map(b -> b.head().length).orElse(0);
            outcomes.add(c.spool.complete(e));
        }
        outcomes.forEach(CompletableFuture::join);
        return bytes;
    }
}
