package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Deferrable work (delivery outcomes) shares the WAL sync of work a client waits for; it is still
 * synced before its future completes, and it never delays urgent work or a close. Lingers are set
 * far beyond any scheduling delay, so nothing here depends on timing.
 */
class DeferrableCommitTest {
    @TempDir
    Path dir;

    private final CommitRecorder observer = new CommitRecorder();

    private interface Body {
        void run(RocksDB db, Committer c) throws Exception;
    }

    private void with(long lingerNanos, Body body) throws Exception {
        RocksDB.loadLibrary();
        try (Options o = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(o, dir.resolve("db").toString())) {
            Committer c = new Committer(
                    db, true, new DiskGuard(dir, 0), observer, Committer.Counters.NONE, 4096, lingerNanos);
            try {
                body.run(db, c);
            } finally {
                c.close();
            }
        }
    }

    private static Committer.Work<Void> put(RocksDB db, String key) {
        return g -> {
            g.batch().put(key.getBytes(StandardCharsets.UTF_8), new byte[] {1});
            return null;
        };
    }

    @Test
    void deferrableWorkWaitsForUrgentWorkAndSharesItsSync() throws Exception {
        with(TimeUnit.MINUTES.toNanos(10), (db, c) -> {
            CompletableFuture<Void> outcome = c.submitDeferrable(put(db, "outcome"));
            CompletableFuture<Void> message = c.submit(true, put(db, "message"));
            CompletableFuture.allOf(outcome, message).get(30, TimeUnit.SECONDS);
            assertThat(observer.groups).containsExactly(2);
            assertThat(observer.syncNanos.get(0)).isPositive();
            assertThat(db.get("outcome".getBytes(StandardCharsets.UTF_8))).isNotNull();
        });
    }

    @Test
    void urgentWorkIsSyncedAtOnce() throws Exception {
        // with a ten-minute linger, only an immediate sync lets this complete within the timeout
        with(TimeUnit.MINUTES.toNanos(10), (db, c) -> {
            c.submit(true, put(db, "a")).get(30, TimeUnit.SECONDS);
            c.submit(false, put(db, "b")).get(30, TimeUnit.SECONDS);
            assertThat(observer.groups).containsExactly(1, 1);
        });
    }

    @Test
    void aLoneDeferrableWriteIsSyncedAfterTheLinger() throws Exception {
        with(TimeUnit.MILLISECONDS.toNanos(1), (db, c) -> {
            c.submitDeferrable(put(db, "outcome")).get(30, TimeUnit.SECONDS);
            assertThat(observer.groups).containsExactly(1);
            assertThat(observer.syncNanos.get(0)).isPositive();
        });
    }

    @Test
    void closeCommitsLingeringWorkWithoutWaitingOutTheLinger() throws Exception {
        CompletableFuture<?>[] outcome = new CompletableFuture<?>[1];
        with(TimeUnit.MINUTES.toNanos(10), (db, c) -> outcome[0] = c.submitDeferrable(put(db, "outcome")));
        // close() has returned: the committer thread ended, so the write was synced and completed
        outcome[0].get(30, TimeUnit.SECONDS);
        assertThat(observer.groups).containsExactly(1);
    }
}
