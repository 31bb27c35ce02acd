package dev.tern.bench.spool;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spool micro-benchmarks on real RocksDB with synced WAL writes.
 * {@code storeOneWriter} vs {@code storeManyWriters} (64 threads) shows the group commit;
 * {@code dueScan} leases entries from a pre-filled schedule index.
 * Run: {@code bench jmh SpoolBenchmarks -f 1 -wi 1 -i 3}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
public class SpoolBenchmarks {
    private static final byte[] BODY =
            ("Subject: bench\r\n\r\n" + "x".repeat(500) + "\r\n").getBytes(StandardCharsets.UTF_8);

    /** An open spool in a temporary directory, deleted afterwards. */
    @State(Scope.Benchmark)
    public static class Writes {
        Path dir;
        Spool spool;
        final AtomicLong seq = new AtomicLong();

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("tern-spool-jmh");
            spool = Spool.open(SpoolSettings.defaults(dir).withMinFreeDiskBytes(0));
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            spool.close();
            deleteTree(dir);
        }
    }

    /** A spool holding {@code ENTRIES} due entries; reopened (leases recovered) every iteration. */
    @State(Scope.Benchmark)
    public static class Due {
        static final int ENTRIES = 200_000;
        Path dir;
        Spool spool;

        @Setup(Level.Trial)
        public void fill() throws IOException {
            dir = Files.createTempDirectory("tern-spool-jmh-due");
            spool = Spool.open(SpoolSettings.defaults(dir).withMinFreeDiskBytes(0));
            List<java.util.concurrent.CompletableFuture<Void>> pending = new ArrayList<>();
            for (int m = 0; m < ENTRIES / 10; m++) {
                Envelope env = envelope("due-" + m);
                List<QueueEntry> es = new ArrayList<>();
                for (int d = 0; d < 10; d++) {
                    es.add(new QueueEntry(
                            env, "d" + d + ".example", List.of(RecipientState.pending("r@d" + d + ".example")), 0, m));
                }
                pending.add(spool.store(env, BODY, es));
                if (pending.size() == 256) {
                    pending.forEach(java.util.concurrent.CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(java.util.concurrent.CompletableFuture::join);
        }

        @Setup(Level.Iteration)
        public void reopen() {
            // Everything leased by the previous iteration becomes due again on reopen.
            spool.close();
            spool = Spool.open(SpoolSettings.defaults(dir).withMinFreeDiskBytes(0));
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            spool.close();
            deleteTree(dir);
        }
    }

    @Benchmark
    @Threads(1)
    public void storeOneWriter(Writes w) {
        store(w);
    }

    @Benchmark
    @Threads(64)
    public void storeManyWriters(Writes w) {
        store(w);
    }

    @Benchmark
    @OperationsPerInvocation(100)
    public int dueScan(Due d) {
        List<QueueEntry> batch = d.spool.due(Long.MAX_VALUE, 100);
        if (batch.isEmpty()) d.reopen();
        return batch.size();
    }

    private static void store(Writes w) {
        Envelope env = envelope("m-" + w.seq.getAndIncrement());
        w.spool
                .store(
                        env,
                        BODY,
                        List.of(new QueueEntry(
                                env,
                                "example.com",
                                List.of(RecipientState.pending("a@example.com")),
                                0,
                                System.currentTimeMillis() + 60_000)))
                .join();
    }

    private static Envelope envelope(String id) {
        return new Envelope(id, "b@sender.example", "t", "c", "", false, 0, 86_400_000L, BODY.length, Map.of());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
