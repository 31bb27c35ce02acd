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
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * Every commit group syncs the WAL exactly once before its futures complete: through its last
 * write ({@code sync=true}) when that write carries the group's batch, or through
 * {@code syncWal} when every write of the group already went out earlier. Counted with RocksDB's
 * own statistics ({@code rocksdb.wal.synced}); groups are made whole with a ten-minute linger, so
 * nothing here depends on timing.
 */
class WalSyncTest {
    private static final long LONG_LINGER = TimeUnit.MINUTES.toNanos(10);

    @TempDir
    Path dir;

    private final CommitRecorder observer = new CommitRecorder();

    private interface Body {
        void run(RocksDB db, Committer c, Statistics stats) throws Exception;
    }

    private void with(boolean sync, Body body) throws Exception {
        RocksDB.loadLibrary();
        try (Statistics stats = new Statistics();
                Options o = new Options().setCreateIfMissing(true).setStatistics(stats);
                RocksDB db = RocksDB.open(o, dir.resolve("db").toString())) {
            Committer c = new Committer(
                    db, sync, new DiskGuard(dir, 0), observer, Committer.Counters.NONE, 4096, LONG_LINGER);
            try {
                body.run(db, c, stats);
            } finally {
                c.close();
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Committer.Work<Void> put(String key) {
        return g -> {
            g.batch().put(b(key), b("v"));
            return null;
        };
    }

    @Test
    void eachGroupSyncsTheWalOnceThroughItsLastWrite() throws Exception {
        with(true, (db, c, stats) -> {
            long before = stats.getTickerCount(TickerType.WAL_FILE_SYNCED);
            c.submit(true, put("a")).get(30, TimeUnit.SECONDS);
            assertThat(stats.getTickerCount(TickerType.WAL_FILE_SYNCED) - before)
                    .as("WAL syncs for a group of one")
                    .isEqualTo(1);
            // three deferrable writes linger; a reader flushes them mid-group; the urgent write ends it
            CompletableFuture<Void> d1 = c.submitDeferrable(put("d1"));
            CompletableFuture<Void> d2 = c.submitDeferrable(put("d2"));
            CompletableFuture<Boolean> reader = c.submit(false, g -> {
                g.flush();
                boolean seen = db.get(b("d2")) != null;
                g.batch().put(b("r"), b("v"));
                return seen;
            });
            assertThat(reader.get(30, TimeUnit.SECONDS)).isTrue();
            d1.get(30, TimeUnit.SECONDS);
            d2.get(30, TimeUnit.SECONDS);
            assertThat(stats.getTickerCount(TickerType.WAL_FILE_SYNCED) - before)
                    .as("one more sync for the second group, however many writes it made")
                    .isEqualTo(2);
            assertThat(observer.groups).containsExactly(1, 3);
            assertThat(c.syncWalCalls)
                    .as("no separate syncWal: the last writes synced")
                    .isZero();
            assertThat(observer.syncNanos).allMatch(n -> n > 0);
        });
    }

    @Test
    void aGroupWhoseWritesAllWentOutEarlierStillSyncs() throws Exception {
        with(true, (db, c, stats) -> {
            long before = stats.getTickerCount(TickerType.WAL_FILE_SYNCED);
            CompletableFuture<Void> d = c.submitDeferrable(put("d"));
            // the last work writes what is pending and adds nothing: the group's last write is empty
            CompletableFuture<Void> last = c.submit(false, g -> {
                g.flush();
                return null;
            });
            last.get(30, TimeUnit.SECONDS);
            d.get(30, TimeUnit.SECONDS);
            assertThat(db.get(b("d"))).isNotNull();
            assertThat(stats.getTickerCount(TickerType.WAL_FILE_SYNCED) - before)
                    .as("the group is synced once")
                    .isEqualTo(1);
            assertThat(c.syncWalCalls).as("by syncWal").isEqualTo(1);
            assertThat(observer.groups).containsExactly(2);
        });
    }

    @Test
    void unsyncedSpoolsNeverSync() throws Exception {
        with(false, (db, c, stats) -> {
            long before = stats.getTickerCount(TickerType.WAL_FILE_SYNCED);
            c.submit(true, put("a")).get(30, TimeUnit.SECONDS);
            c.submit(true, put("b")).get(30, TimeUnit.SECONDS);
            assertThat(db.get(b("b"))).isNotNull();
            assertThat(stats.getTickerCount(TickerType.WAL_FILE_SYNCED) - before)
                    .isZero();
        });
    }
}
