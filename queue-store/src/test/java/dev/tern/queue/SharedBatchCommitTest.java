package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * One write batch per commit group: work that reads sees every earlier write of its group, a
 * failing work leaves no trace in the shared batch, counters are written once per batch, and
 * completions of leased entries need no reads yet remove a message exactly with its last entry.
 * Groups are made whole on purpose with a ten-minute linger: deferrable work collects in one group
 * until work a client waits for (or close) ends it, so nothing here depends on timing.
 */
class SharedBatchCommitTest {
    private static final long LONG_LINGER = TimeUnit.MINUTES.toNanos(10);

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFailingWorkLeavesNoWritesAndTheOthersOfItsGroupCommit() throws Exception {
        RocksDB.loadLibrary();
        List<Integer> groups = new CopyOnWriteArrayList<>();
        List<long[]> counted = new CopyOnWriteArrayList<>();
        Committer.Counters counters = new Committer.Counters() {
            @Override
            public void write(org.rocksdb.WriteBatch batch, long m, long e, long by)
                    throws org.rocksdb.RocksDBException {
                batch.put(b("counters"), b(m + "/" + e + "/" + by));
            }

            @Override
            public void applied(long m, long e, long by) {
                counted.add(new long[] {m, e, by});
            }
        };
        SpoolObserver observer = new SpoolObserver() {
            @Override
            public void committed(int n, long nanos) {
                groups.add(n);
            }
        };
        try (Options o = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(o, dir.resolve("db").toString())) {
            Committer c = new Committer(db, true, new DiskGuard(dir, 0), observer, counters, 4096, LONG_LINGER);
            try {
                CompletableFuture<Void> first = c.submitDeferrable(g -> {
                    g.batch().put(b("first"), b("1"));
                    g.count(1, 1, 10);
                    return null;
                });
                CompletableFuture<Void> failing = c.submitDeferrable(g -> {
                    g.batch().put(b("failing"), b("x"));
                    g.count(1, 1, 1000);
                    g.afterWrite(() -> {
                        throw new AssertionError("after-write action of a failed work ran");
                    });
                    throw new SpoolException("refused");
                });
                CompletableFuture<Boolean> reader = c.submit(false, g -> {
                    g.flush(); // sees "first" although the group is not committed yet
                    boolean seen = db.get(b("first")) != null;
                    g.batch().put(b("second"), b("2"));
                    g.count(0, 1, 5);
                    return seen;
                });
                assertThat(reader.get(30, TimeUnit.SECONDS)).isTrue();
                first.get(30, TimeUnit.SECONDS);
                assertThatThrownBy(() -> failing.join())
                        .isInstanceOf(CompletionException.class)
                        .hasCauseInstanceOf(SpoolException.class);
            } finally {
                c.close();
            }
            assertThat(groups).containsExactly(2);
            assertThat(db.get(b("failing"))).isNull();
            assertThat(db.get(b("second"))).isNotNull();
            // the first work's batch (written before the linger), then the reader's: failed counts dropped
            long m = 0, e = 0, by = 0;
            for (long[] d : counted) {
                m += d[0];
                e += d[1];
                by += d[2];
            }
            assertThat(new long[] {m, e, by}).containsExactly(1, 2, 15);
        }
    }

    @Test
    void completionsInOneGroupRemoveTheMessageWithItsLastEntry() {
        try (Spool spool = Spool.open(settings(dir), LONG_LINGER)) {
            Envelope env = envelope("m1");
            spool.store(env, body("m1"), entries(env, 10, "a.example", "b.example", "c.example"))
                    .join();
            List<QueueEntry> due = spool.due(10, 10);
            assertThat(due).hasSize(3);
            // three deferrable completions collect in one group, ended by the store of m2
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (QueueEntry e : due) done.add(spool.complete(e));
            Envelope env2 = envelope("m2");
            spool.store(env2, body("m2"), entries(env2, 10, "a.example")).join();
            done.forEach(CompletableFuture::join);
            assertThat(spool.body("m1")).isEmpty();
            assertThat(spool.envelope("m1")).isEmpty();
            assertThat(spool.entries("m1")).isEmpty();
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 1, body("m2").length, 0));
        }
        // the counters were written with the data
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 1, body("m2").length, 0));
        }
    }

    @Test
    void aMessageStoredAndCompletedInOneGroupIsGone() {
        try (Spool spool = Spool.open(settings(dir), LONG_LINGER)) {
            Envelope env = envelope("m1");
            spool.store(env, body("m1"), entries(env, 10, "a.example")).join();
            QueueEntry leased = spool.due(10, 1).get(0);
            // the update lingers; the duplicate store in its group must see the first store
            CompletableFuture<Void> update = spool.update(leased.rescheduled(20, true));
            Envelope env2 = envelope("m2");
            CompletableFuture<Void> stored = spool.store(env2, body("m2"), entries(env2, 10, "a.example"));
            CompletableFuture<Void> duplicate = spool.store(env2, body("m2"), entries(env2, 10, "a.example"));
            update.join();
            stored.join();
            assertThatThrownBy(duplicate::join).hasCauseInstanceOf(SpoolException.class);
            assertThat(spool.stats()).isEqualTo(new SpoolStats(2, 2, 2L * body("m1").length, 0));
            assertThat(spool.entries("m1").get(0).attempts()).isEqualTo(1);
        }
    }

    @Test
    void anEntryLeasedFromAVersion1EnvelopeCompletesByReading() throws Exception {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("old");
            spool.store(env, body("old"), entries(env, 10, "a.example")).join();
            // as written by a Tern before version 2 envelopes
            SpoolDb sdb = spool.db();
            sdb.db.put(sdb.envelopes, Keys.message("old"), RecordCodec.encodeEnvelope(env, body("old").length));
            QueueEntry leased = spool.due(10, 1).get(0);
            spool.complete(leased).join();
            assertThat(spool.body("old")).isEmpty();
            assertThat(spool.envelope("old")).isEmpty();
            assertThat(spool.stats()).isEqualTo(new SpoolStats(0, 0, 0, 0));
        }
    }

    @Test
    void updatesAndCompletionsOfLeasedEntriesAfterAReopenStillWork() {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("m1");
            spool.store(env, body("m1"), entries(env, 10, "a.example", "b.example"))
                    .join();
            assertThat(spool.due(10, 10)).hasSize(2); // leased, then the process stops
        }
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.recoveredCount()).isEqualTo(2);
            List<QueueEntry> due = spool.due(10, 10);
            spool.update(due.get(0).rescheduled(10, true)).join();
            spool.complete(due.get(1)).join();
            assertThat(spool.body("m1")).isPresent();
            QueueEntry again = spool.due(10, 10).get(0);
            assertThat(again.attempts()).isEqualTo(1);
            spool.complete(again).join();
            assertThat(spool.body("m1")).isEmpty();
            assertThat(spool.stats()).isEqualTo(new SpoolStats(0, 0, 0, 0));
        }
    }

    @Test
    void aLeasedEntrysBodyOpensWithOrWithoutItsTailFile() throws Exception {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope small = envelope("small"), big = envelope("big");
            spool.store(small, body("small"), entries(small, 10, "a.example")).join();
            byte[] tail = new byte[200_000];
            java.util.Arrays.fill(tail, (byte) 'y');
            try (BodyFile f = spool.newBodyFile()) {
                f.write(tail, 0, tail.length);
                spool.store(big, b("Subject: big\r\n"), f, entries(big, 10, "a.example"))
                        .join();
            }
            for (QueueEntry e : spool.due(10, 10)) {
                StoredBody viaEntry = spool.openBody(e).orElseThrow();
                StoredBody viaId = spool.openBody(e.messageId()).orElseThrow();
                assertThat(viaEntry.readAll()).isEqualTo(viaId.readAll());
                assertThat(viaEntry.size()).isEqualTo(viaId.size());
                if (e.messageId().equals("big")) assertThat(viaEntry.readAll()).hasSize(200_000 + 14);
                spool.complete(e).join();
                assertThat(spool.openBody(e)).isEmpty();
            }
            assertThat(spool.stats()).isEqualTo(new SpoolStats(0, 0, 0, 0));
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("blobs"))) {
                assertThat(files.filter(p -> p.toString().endsWith(".body"))).isEmpty();
            }
        }
    }

    @Test
    void nothingDueMeansNoScanYetEntriesStoredInThePastAreFound() {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("later");
            spool.store(env, body("later"), entries(env, 1_000, "a.example")).join();
            assertThat(spool.due(500, 10)).isEmpty(); // the floor is now past 500
            assertThat(spool.due(600, 10)).isEmpty();
            Envelope past = envelope("past");
            spool.store(past, body("past"), entries(past, 100, "a.example")).join();
            assertThat(Messages.ids(spool.due(600, 10))).containsExactly("past/a.example");
            assertThat(Messages.ids(spool.due(1_000, 10))).containsExactly("later/a.example");
        }
    }
}
