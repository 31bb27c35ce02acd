package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duplicate-id check of {@link Spool#store} reads the spool only for an id that may be spooled
 * ({@link NewIds}): a growing id needs no read, and a duplicate is refused whether it is above the
 * watermark (stored since open), below it (spooled at open, or dropped from the bounded set) or in
 * the same commit group.
 */
class DuplicateIdCheckTest {
    @TempDir
    Path dir;

    private static String id(int i) {
        return String.format("%08d", i);
    }

    private static CompletableFuture<Void> store(Spool spool, String id) {
        Envelope env = envelope(id);
        return spool.store(env, body(id), entries(env, 10, "a.example"));
    }

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void growingIdsAreStoredWithoutAReadAndDuplicatesAreStillRefused() {
        try (Spool spool = Spool.open(settings(dir))) {
            for (int i = 10; i < 60; i++) store(spool, id(i)).join();
            assertThat(spool.duplicateCheckReads).isZero();
            assertThatThrownBy(() -> store(spool, id(30)).join())
                    .hasCauseInstanceOf(SpoolException.class)
                    .hasMessageContaining("already spooled");
            // an id below the others but never stored: above the (empty) watermark, not in the set
            store(spool, id(5)).join();
            assertThat(spool.duplicateCheckReads).isEqualTo(1);
            assertThat(spool.stats().messages()).isEqualTo(51);
        }
    }

    @Test
    void afterAReopenIdsSpooledBeforeAreRefusedByReading() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, id(1)).join();
            store(spool, id(7)).join();
        }
        try (Spool spool = Spool.open(settings(dir))) {
            assertThatThrownBy(() -> store(spool, id(7)).join()).hasCauseInstanceOf(SpoolException.class);
            assertThatThrownBy(() -> store(spool, id(1)).join()).hasCauseInstanceOf(SpoolException.class);
            assertThat(spool.duplicateCheckReads).isEqualTo(2);
            store(spool, id(3)).join(); // below the watermark, not spooled: read, then stored
            assertThat(spool.duplicateCheckReads).isEqualTo(3);
            store(spool, id(8)).join(); // above the watermark: no read
            assertThat(spool.duplicateCheckReads).isEqualTo(3);
            assertThat(spool.envelope(id(3))).isPresent();
        }
    }

    @Test
    void aCompletedIdMayBeStoredAgainAndAStoreInTheSameGroupIsRefused() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, id(1)).join();
            spool.complete(spool.due(10, 1).get(0)).join();
            store(spool, id(1)).join(); // in the set (a false "maybe"): the read finds nothing
            assertThat(spool.envelope(id(1))).isPresent();
            CompletableFuture<Void> first = store(spool, id(2));
            CompletableFuture<Void> second = store(spool, id(2));
            first.join();
            assertThatThrownBy(second::join).hasCauseInstanceOf(SpoolException.class);
            assertThat(spool.stats().messages()).isEqualTo(2);
        }
    }

    @Test
    void theBoundedSetDropsItsLowerHalfAndKeepsEveryDuplicateFound() {
        NewIds ids = new NewIds(null, 4);
        for (String s : new String[] {"b", "d", "c", "e"}) {
            assertThat(ids.mayBeSpooled(k(s))).isFalse();
            ids.stored(k(s));
        }
        assertThat(ids.kept()).isEqualTo(4);
        ids.stored(k("f")); // 5 > cap: the older half "b", "d" dropped, watermark "d"
        assertThat(ids.kept()).isEqualTo(3);
        for (String s : new String[] {"a", "b", "c", "d", "e", "f"})
            assertThat(ids.mayBeSpooled(k(s))).isTrue();
        assertThat(ids.mayBeSpooled(k("cc"))).isTrue(); // at or below the watermark: read
        assertThat(ids.mayBeSpooled(k("dd"))).isFalse();
        assertThat(ids.mayBeSpooled(k("ee"))).isFalse();
        assertThat(ids.mayBeSpooled(k("g"))).isFalse();
        ids.stored(k("a")); // at or below the watermark: covered by it, not kept
        assertThat(ids.kept()).isEqualTo(3);
        // unsigned byte order, as RocksDB's keys
        NewIds high = new NewIds(new byte[] {(byte) 0xc3, (byte) 0xa9}, 4);
        assertThat(high.mayBeSpooled(k("z"))).isTrue();
        assertThat(high.mayBeSpooled(new byte[] {(byte) 0xc4})).isFalse();
    }
}
