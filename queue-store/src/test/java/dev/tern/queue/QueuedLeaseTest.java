package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.ids;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scan's lease writes go into the committer's next group instead of a write of their own: the
 * entries are handed out at once, the leases are on disk once that group is written, work on the
 * leased entries comes after them, a group of lease writes alone does not sync the WAL, and a scan
 * that starts below a lease not yet written does not lease its entry twice.
 */
class QueuedLeaseTest {
    @TempDir
    Path dir;

    /** Holds the commit thread until the returned latch is counted down. */
    private static CountDownLatch blockCommitter(Spool spool) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        spool.committer().submit(false, g -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        running.await();
        return release;
    }

    private static boolean leaseOnDisk(Spool spool, String id, String domain) throws Exception {
        SpoolDb sdb = spool.db();
        return sdb.db.get(sdb.leases, Keys.entry(id, domain)) != null;
    }

    private static boolean scheduledOnDisk(Spool spool, String id, String domain, long at) throws Exception {
        SpoolDb sdb = spool.db();
        return sdb.db.get(sdb.schedule, Keys.schedule(at, Keys.entry(id, domain))) != null;
    }

    @Test
    void aScanBelowALeaseNotYetWrittenSkipsItsEntry() throws Exception {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope m1 = envelope("m1"), m2 = envelope("m2");
            spool.store(m1, body("m1"), entries(m1, 10, "a.example")).join();
            spool.store(m2, body("m2"), entries(m2, 10, "a.example")).join();
            CountDownLatch release = blockCommitter(spool);
            try {
                leaseTwiceAttempt(spool, release);
            } finally {
                release.countDown(); // close waits for the commit thread
            }
        }
        // the lease of m2 was written: it is recovered on open
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.recoveredCount()).isEqualTo(1);
            assertThat(ids(spool.due(10, 10))).containsExactly("m2/a.example");
        }
    }

    private static void leaseTwiceAttempt(Spool spool, CountDownLatch release) throws Exception {
        List<QueueEntry> first = spool.due(10, 1);
        assertThat(ids(first)).containsExactly("m1/a.example");
        // handed out before its lease is written: the schedule key is still there
        assertThat(leaseOnDisk(spool, "m1", "a.example")).isFalse();
        assertThat(scheduledOnDisk(spool, "m1", "a.example", 10)).isTrue();
        // a key written below during the scan (as a store's) brings the next scan back below m1
        spool.floor().inserted(Keys.scheduleStart(0));
        assertThat(ids(spool.due(10, 10))).containsExactly("m2/a.example");
        assertThat(spool.due(10, 10)).isEmpty();
        // work on the leased entry, queued behind the lease, finds it leased
        CompletableFuture<Void> done = spool.complete(first.get(0));
        release.countDown();
        done.join();
        assertThat(leaseOnDisk(spool, "m1", "a.example")).isFalse();
        assertThat(scheduledOnDisk(spool, "m1", "a.example", 10)).isFalse();
        assertThat(spool.envelope("m1")).isEmpty();
        assertThat(leaseOnDisk(spool, "m2", "a.example")).isTrue();
        assertThat(scheduledOnDisk(spool, "m2", "a.example", 10)).isFalse();
        assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 1, body("m2").length, 1));
    }

    @Test
    void leaseWritesAloneDoNotSyncTheWal() throws Exception {
        CommitRecorder commits = new CommitRecorder();
        try (Spool spool = Spool.open(settings(dir).withObserver(commits))) {
            Envelope m1 = envelope("m1");
            spool.store(m1, body("m1"), entries(m1, 10, "a.example", "b.example"))
                    .join();
            int groups = commits.groups.size();
            long walSyncs = spool.committer().syncWalCalls;
            assertThat(spool.due(10, 10)).hasSize(2);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> leaseOnDisk(spool, "m1", "a.example") && leaseOnDisk(spool, "m1", "b.example"));
            assertThat(commits.groups).hasSize(groups); // written, not committed with a sync
            assertThat(spool.committer().syncWalCalls).isEqualTo(walSyncs);
            assertThat(scheduledOnDisk(spool, "m1", "a.example", 10)).isFalse();
        }
    }

    @Test
    void leasesQueuedWithAStoreShareItsGroupAndUpdatesComeAfterThem() throws Exception {
        CommitRecorder commits = new CommitRecorder();
        try (Spool spool = Spool.open(settings(dir).withObserver(commits))) {
            Envelope m1 = envelope("m1"), m2 = envelope("m2");
            spool.store(m1, body("m1"), entries(m1, 10, "a.example")).join();
            CountDownLatch release = blockCommitter(spool);
            CompletableFuture<Void> stored, updated;
            int groups;
            try {
                QueueEntry leased = spool.due(10, 1).get(0);
                stored = spool.store(m2, body("m2"), entries(m2, 50, "a.example"));
                updated = spool.update(leased.rescheduled(20, true));
                groups = commits.groups.size();
            } finally {
                release.countDown();
            }
            stored.join();
            updated.join();
            // the blocker's own group, then lease, store and update in one group (one sync)
            assertThat(commits.groups.subList(groups, commits.groups.size())).containsExactly(1, 3);
            assertThat(leaseOnDisk(spool, "m1", "a.example")).isFalse();
            assertThat(scheduledOnDisk(spool, "m1", "a.example", 20)).isTrue();
            assertThat(scheduledOnDisk(spool, "m1", "a.example", 10)).isFalse();
            assertThat(ids(spool.due(30, 10))).containsExactly("m1/a.example");
            assertThat(spool.stats().inFlight()).isEqualTo(1);
        }
    }
}
