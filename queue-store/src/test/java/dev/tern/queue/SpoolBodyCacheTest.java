package dev.tern.queue;

import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bodies kept in memory between {@link Spool#store} and delivery's {@link Spool#openBody(QueueEntry)}:
 * an open served from memory returns the very array stored (no read); every other open reads the
 * spool and returns the same bytes.
 */
class SpoolBodyCacheTest {
    @TempDir
    Path dir;

    private static byte[] body(String id, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        byte[] head = ("Subject: " + id + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
    }

    private static byte[] store(Spool spool, String id, int size, String... domains) {
        Envelope env = envelope(id);
        byte[] b = body(id, size);
        spool.store(env, b, entries(env, 10, domains)).join();
        return b;
    }

    private static QueueEntry lease(Spool spool, String id) {
        List<QueueEntry> due = spool.due(Long.MAX_VALUE, 100);
        assertThat(due).extracting(QueueEntry::messageId).contains(id);
        return due.stream().filter(e -> e.messageId().equals(id)).findFirst().orElseThrow();
    }

    private static byte[] open(Spool spool, QueueEntry e) {
        return spool.openBody(e).orElseThrow().head();
    }

    @Test
    void firstOpenOfAJustStoredBodyTakesItFromMemoryThenTheSpoolAnswers() {
        try (Spool spool = Spool.open(settings(dir))) {
            byte[] stored = store(spool, "m1", 5_000, "x.example");
            assertThat(spool.bodyCacheBytes()).isEqualTo(5_000 + BodyCache.OVERHEAD);
            QueueEntry e = lease(spool, "m1");

            assertThat(open(spool, e)).as("served from memory").isSameAs(stored);
            assertThat(spool.bodyCacheBytes()).as("taken out by the open").isZero();
            byte[] again = open(spool, e);
            assertThat(again).as("read from RocksDB").isNotSameAs(stored).isEqualTo(stored);
            spool.complete(e).join();
            assertThat(spool.openBody(e)).isEmpty();
        }
    }

    @Test
    void oldestBodiesAreEvictedPastTheCapAndLargeOnesNotKept() {
        // four bodies of 5,000 fit, a fifth evicts the first; a larger one (over a quarter) is not kept
        long cap = 4 * (5_000 + BodyCache.OVERHEAD);
        try (Spool spool = Spool.open(settings(dir).withBodyCacheBytes(cap))) {
            byte[][] stored = new byte[5][];
            for (int i = 0; i < 5; i++) stored[i] = store(spool, "m" + i, 5_000, "x.example");
            byte[] big = store(spool, "big", 5_001, "x.example");
            assertThat(spool.bodyCacheBytes()).isEqualTo(cap);
            java.util.Map<String, QueueEntry> leased = new java.util.HashMap<>();
            for (QueueEntry e : spool.due(Long.MAX_VALUE, 100)) leased.put(e.messageId(), e);
            assertThat(leased).hasSize(6);

            assertThat(open(spool, leased.get("m0")))
                    .as("evicted: read back")
                    .isNotSameAs(stored[0])
                    .isEqualTo(stored[0]);
            for (int i = 1; i < 5; i++) {
                assertThat(open(spool, leased.get("m" + i))).isSameAs(stored[i]);
            }
            assertThat(open(spool, leased.get("big"))).isNotSameAs(big).isEqualTo(big);
            assertThat(spool.bodyCacheBytes()).isZero();
        }
    }

    @Test
    void aScanTakesTheKeptEnvelopeWhichEqualsTheStoredOne() {
        // the same message leased from memory and, in a spool keeping nothing, from RocksDB
        Envelope env = envelope("m1");
        for (long cap : new long[] {SpoolSettings.DEFAULT_BODY_CACHE_BYTES, 0}) {
            Path d = dir.resolve("cap-" + cap);
            try (Spool spool = Spool.open(settings(d).withBodyCacheBytes(cap))) {
                spool.store(env, body("m1", 700), entries(env, 10, "x.example", "y.example"))
                        .join();
                List<QueueEntry> due = spool.due(Long.MAX_VALUE, 10);
                assertThat(due)
                        .hasSize(2)
                        .allSatisfy(e -> assertThat(e.envelope()).isEqualTo(env));
                // the lease knows the entry count either way: completing both removes the message
                spool.complete(due.get(0)).join();
                assertThat(spool.stats().messages()).isEqualTo(1);
                spool.complete(due.get(1)).join();
                assertThat(spool.stats()).isEqualTo(new SpoolStats(0, 0, 0, 0));
                assertThat(spool.envelope("m1")).isEmpty();
            }
        }
    }

    @Test
    void aCapOfZeroKeepsNothing() {
        try (Spool spool = Spool.open(settings(dir).withBodyCacheBytes(0))) {
            byte[] stored = store(spool, "m1", 100, "x.example");
            assertThat(spool.bodyCacheBytes()).isZero();
            assertThat(open(spool, lease(spool, "m1"))).isNotSameAs(stored).isEqualTo(stored);
        }
    }

    @Test
    void aDeferredEntryIsRetriedWithTheStoredBytes() {
        try (Spool spool = Spool.open(settings(dir))) {
            byte[] stored = store(spool, "m1", 3_000, "x.example");
            byte[] copy = stored.clone();
            // deferred before its body was opened (for example the host did not answer)
            QueueEntry e = lease(spool, "m1");
            spool.update(e.rescheduled(20, true)).join();
            assertThat(spool.bodyCacheBytes())
                    .as("a deferral forgets the kept body")
                    .isZero();

            QueueEntry retry = lease(spool, "m1");
            assertThat(open(spool, retry)).isNotSameAs(stored).isEqualTo(copy);
            spool.update(retry.rescheduled(30, true)).join();
            assertThat(open(spool, lease(spool, "m1"))).isEqualTo(copy);
        }
    }

    @Test
    void aMessageWithSeveralEntriesKeepsItsBodyUntilTheLastCompletes() {
        try (Spool spool = Spool.open(settings(dir))) {
            byte[] stored = store(spool, "m1", 2_000, "x.example", "y.example");
            List<QueueEntry> due = spool.due(Long.MAX_VALUE, 10);
            assertThat(due).hasSize(2);
            assertThat(open(spool, due.get(0))).isSameAs(stored);
            spool.complete(due.get(0)).join();
            assertThat(open(spool, due.get(1)))
                    .as("still kept for the other entry")
                    .isSameAs(stored);
            spool.complete(due.get(1)).join();
            assertThat(spool.bodyCacheBytes()).isZero();
            assertThat(spool.body("m1")).isEmpty();
        }
    }

    @Test
    void aReleasedOrRecoveredEntryReadsTheSpool() {
        byte[] stored;
        try (Spool spool = Spool.open(settings(dir))) {
            stored = store(spool, "m1", 1_000, "x.example");
            store(spool, "m2", 1_000, "x.example");
            spool.release(lease(spool, "m1")); // m2 stays leased, its body kept
            assertThat(spool.bodyCacheBytes()).isEqualTo(1_000 + BodyCache.OVERHEAD);
            assertThat(open(spool, lease(spool, "m1"))).isNotSameAs(stored).isEqualTo(stored);
        }
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.bodyCacheBytes()).isZero();
            QueueEntry e = lease(spool, "m1");
            assertThat(open(spool, e)).isEqualTo(stored);
        }
    }

    @Test
    void aBodyWithATailFileIsNotKept() throws Exception {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("t1");
            byte[] head = body("t1", 200);
            try (BodyFile f = spool.newBodyFile()) {
                f.write(new byte[5_000], 0, 5_000);
                spool.store(env, head, f, entries(env, 10, "x.example")).join();
            }
            assertThat(spool.bodyCacheBytes()).isZero();
            StoredBody b = spool.openBody(lease(spool, "t1")).orElseThrow();
            assertThat(b.streamed()).isTrue();
            assertThat(b.size()).isEqualTo(5_200);
        }
    }
}
