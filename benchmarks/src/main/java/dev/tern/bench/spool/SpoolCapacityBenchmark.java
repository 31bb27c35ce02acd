package dev.tern.bench.spool;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolObserver;
import dev.tern.queue.SpoolSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Capacity benchmark of the spool (real RocksDB, synced WAL):
 * <ol>
 *   <li>fills a spool with 1,000,000 deferred queued recipients (one recipient per entry;
 *       labelled batching: 10 domain entries per stored message, 64 concurrent writers);
 *   <li>closes and reopens it: recovery (open) time, live heap with 1M deferred entries;
 *   <li>synced write throughput with 1 writer and with 64 concurrent writers (group commit);
 *   <li>due-scan throughput over all 1M entries (leasing them);
 *   <li>reopens with all 1M entries leased at stop: recovery time, recovered count.
 * </ol>
 * Usage: {@code bench main dev.tern.bench.spool.SpoolCapacityBenchmark [entries] [dir]}.
 */
public final class SpoolCapacityBenchmark {
    private static final int DOMAINS_PER_MESSAGE = 10;
    private static final byte[] BODY = ("From: a@sender.example\r\nTo: b@example.com\r\nSubject: capacity\r\n\r\n"
                    + "x".repeat(200) + "\r\n")
            .getBytes(StandardCharsets.UTF_8);

    private SpoolCapacityBenchmark() {}

    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("tern-spool-bench");
        long messages = target / DOMAINS_PER_MESSAGE;
        long entries = messages * DOMAINS_PER_MESSAGE;
        System.out.printf(
                "spool capacity benchmark: %,d entries in %s (%s, %d cores)%n",
                entries,
                dir,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        long deferredUntil = System.currentTimeMillis() + 3_600_000;
        try {
            long baseHeap = liveHeap();

            // 1. Fill.
            GroupStats fillStats = new GroupStats();
            long t0 = System.nanoTime();
            try (Spool spool = Spool.open(settings(dir, fillStats))) {
                AtomicLong next = new AtomicLong();
                runWriters(64, () -> {
                    long m;
                    while ((m = next.getAndIncrement()) < messages) {
                        Envelope env = envelope("fill-" + m);
                        List<QueueEntry> es = new ArrayList<>(DOMAINS_PER_MESSAGE);
                        for (int d = 0; d < DOMAINS_PER_MESSAGE; d++) {
                            String domain = "d" + ((m * DOMAINS_PER_MESSAGE + d) % 5000) + ".example";
                            // spread due times so the index is really time-ordered work
                            es.add(new QueueEntry(
                                    env,
                                    domain,
                                    List.of(RecipientState.pending("r" + m + "@" + domain)),
                                    1,
                                    deferredUntil + (m % 3600) * 1000));
                        }
                        spool.store(env, BODY, es).join();
                    }
                });
            }
            double fillSecs = secs(t0);
            System.out.printf(
                    "fill: %,d messages x %d entries (1 recipient each) = %,d entries, 64 writers, synced:"
                            + " %.1f s (%,.0f entries/s; %,d group commits, avg %.1f writes/commit)%n",
                    messages,
                    DOMAINS_PER_MESSAGE,
                    entries,
                    fillSecs,
                    entries / fillSecs,
                    fillStats.commits.sum(),
                    fillStats.average());

            // 2. Reopen with 1M deferred entries.
            t0 = System.nanoTime();
            Spool spool = Spool.open(settings(dir, null));
            double openSecs = secs(t0);
            System.out.printf(
                    "recovery: open with %,d deferred entries: %.3f s (stats %s)%n", entries, openSecs, spool.stats());
            long heap = liveHeap();
            System.out.printf(
                    "heap: live heap after GC with %,d deferred entries held: %.1f MiB"
                            + " (%.1f MiB above the JVM baseline before opening; target < 256 MiB)%n",
                    entries, heap / 1048576.0, (heap - baseHeap) / 1048576.0);
            t0 = System.nanoTime();
            LongAdder visited = new LongAdder();
            spool.forEachEntry(e -> visited.increment());
            System.out.printf("verify: forEachEntry saw %,d entries in %.2f s%n", visited.sum(), secs(t0));
            check(visited.sum() == entries, "forEachEntry count");
            spool.close();

            // 3. Synced writes: 1 writer vs 64 writers (fresh spool so the fill does not interfere).
            Path writeDir = dir.resolve("writes");
            double one = writeRate(writeDir.resolve("w1"), 1, 4);
            double many = writeRate(writeDir.resolve("w64"), 64, 4);
            System.out.printf(
                    "synced writes: 1 writer %,.0f msgs/s; 64 writers %,.0f msgs/s; ratio %.1fx (target >= 10x)%n",
                    one, many, many / one);

            // 4. Due scan of all entries (leases them).
            spool = Spool.open(settings(dir, null));
            long scanned = 0;
            t0 = System.nanoTime();
            List<QueueEntry> batch;
            while (!(batch = spool.due(Long.MAX_VALUE, 1000)).isEmpty()) scanned += batch.size();
            double scanSecs = secs(t0);
            System.out.printf(
                    "due scan: %,d entries leased in %.2f s: %,.0f entries/s (batches of 1000)%n",
                    scanned, scanSecs, scanned / scanSecs);
            check(scanned == entries, "due scan count");
            long heapLeased = liveHeap();
            System.out.printf(
                    "heap: with all %,d entries leased (in flight): %.1f MiB live%n", entries, heapLeased / 1048576.0);
            spool.close(); // leases stay: all entries are "in flight at stop"

            // 5. Reopen with every entry leased at stop.
            t0 = System.nanoTime();
            spool = Spool.open(settings(dir, null));
            double recoverSecs = secs(t0);
            System.out.printf(
                    "recovery: open with %,d entries in flight at stop: %.2f s, recoveredCount %,d%n",
                    entries, recoverSecs, spool.recoveredCount());
            check(spool.recoveredCount() == entries, "recovered count");
            scanned = 0;
            while (!(batch = spool.due(Long.MAX_VALUE, 1000)).isEmpty()) scanned += batch.size();
            System.out.printf("verify: every entry due again after recovery: %,d%n", scanned);
            check(scanned == entries, "due after recovery");
            spool.close();
        } finally {
            deleteTree(dir);
        }
    }

    private static double writeRate(Path dir, int writers, int seconds) throws InterruptedException {
        GroupStats stats = new GroupStats();
        try (Spool spool = Spool.open(settings(dir, stats))) {
            // warm up
            for (int i = 0; i < 20; i++) store(spool, "warm-" + i);
            stats.reset();
            LongAdder done = new LongAdder();
            AtomicLong seq = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime();
            runWriters(writers, () -> {
                while (System.nanoTime() < end) {
                    store(spool, "w-" + seq.getAndIncrement());
                    done.increment();
                }
            });
            double rate = done.sum() / secs(t0);
            System.out.printf(
                    "  %d writer(s): %,d synced stores in %d s, %,d syncs, avg %.1f writes/sync, avg sync %.2f ms%n",
                    writers,
                    done.sum(),
                    seconds,
                    stats.commits.sum(),
                    stats.average(),
                    stats.syncNanos.sum() / 1e6 / Math.max(1, stats.commits.sum()));
            return rate;
        }
    }

    private static void store(Spool spool, String id) {
        Envelope env = envelope(id);
        spool.store(
                        env,
                        BODY,
                        List.of(new QueueEntry(
                                env,
                                "example.com",
                                List.of(RecipientState.pending("x@example.com")),
                                0,
                                System.currentTimeMillis() + 60_000)))
                .join();
    }

    private static Envelope envelope(String id) {
        long now = System.currentTimeMillis();
        return new Envelope(
                id,
                "bounce@sender.example",
                "tenant",
                "campaign",
                "",
                false,
                now,
                now + 86_400_000L,
                BODY.length,
                Map.of());
    }

    private static SpoolSettings settings(Path dir, SpoolObserver observer) {
        return new SpoolSettings(dir, true, 0, SpoolSettings.Tuning.defaults(), observer);
    }

    private static void runWriters(int n, Runnable body) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                body.run();
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
    }

    private static long liveHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("check failed: " + what);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Counts group commits through the spool's observer hook. */
    private static final class GroupStats implements SpoolObserver {
        final LongAdder commits = new LongAdder();
        final LongAdder writes = new LongAdder();
        final LongAdder syncNanos = new LongAdder();

        @Override
        public void committed(int n, long nanos) {
            commits.increment();
            writes.add(n);
            syncNanos.add(nanos);
        }

        void reset() {
            commits.reset();
            writes.reset();
            syncNanos.reset();
        }

        double average() {
            return commits.sum() == 0 ? 0 : (double) writes.sum() / commits.sum();
        }
    }
}
