package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void concurrentWritersShareSyncs() throws Exception {
        AtomicLong commits = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        AtomicLong syncNanos = new AtomicLong();
        SpoolObserver observer = new SpoolObserver() {
            @Override
            public void committed(int n, long nanos) {
                commits.incrementAndGet();
                writes.addAndGet(n);
                syncNanos.addAndGet(nanos);
            }
        };
        int writers = 32, perWriter = 20;
        try (Spool spool = Spool.open(new SpoolSettings(dir, true, 0, SpoolSettings.Tuning.defaults(), observer))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perWriter; i++) {
                        Envelope env = Messages.envelope("w" + id + "-" + i);
                        spool.store(env, Messages.body(env.messageId()), Messages.entries(env, 1, "d.example"))
                                .join();
                    }
                }));
            }
            start.countDown();
            for (Thread t : threads) t.join();
            assertThat(spool.stats().messages()).isEqualTo(writers * perWriter);
            assertThat(writes.get()).isEqualTo(writers * perWriter);
            double average = (double) writes.get() / commits.get();
            assertThat(average).as("average group size").isGreaterThan(1.0);
            assertThat(syncNanos.get()).isPositive();

            // Futures complete off the commit thread: a callback that blocks on another spool
            // write must not deadlock the spool.
            Envelope a = Messages.envelope("a");
            Envelope b = Messages.envelope("b");
            CompletableFuture<Void> chained = spool.store(a, Messages.body("a"), Messages.entries(a, 1, "d.example"))
                    .thenRun(() -> spool.store(b, Messages.body("b"), Messages.entries(b, 1, "d.example"))
                            .join());
            chained.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(spool.envelope("b")).isPresent();
        }
    }
}
