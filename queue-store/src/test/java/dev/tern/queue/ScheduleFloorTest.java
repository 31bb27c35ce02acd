package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The lock-free "nothing due" answer agrees with the key comparison it replaces on the hot path. */
class ScheduleFloorTest {
    private static byte[] key(long at, String id) {
        return Keys.schedule(at, (id + "\0d.example").getBytes(StandardCharsets.UTF_8));
    }

    private static void agrees(ScheduleFloor f) {
        for (long now : new long[] {0, 1, 99, 100, 101, 199, 200, 201, 5_000, Long.MAX_VALUE - 1}) {
            assertThat(f.nothingDueAt(now)).as("now %d", now).isEqualTo(f.atOrAfter(Keys.scheduleStart(now + 1)));
        }
    }

    @Test
    void nothingDueAtMatchesTheFloorKey() {
        ScheduleFloor f = new ScheduleFloor();
        assertThat(f.nothingDueAt(0)).as("empty floor: a scan must look").isFalse();
        agrees(f);
        f.inserted(key(200, "a"));
        agrees(f);
        f.scanStarting();
        f.scanEnded(Keys.scheduleStart(201)); // scanned up to 200 inclusive
        assertThat(f.nothingDueAt(200)).isTrue();
        assertThat(f.nothingDueAt(201)).isFalse();
        agrees(f);
        f.inserted(key(100, "b")); // an earlier key lowers the floor at once
        assertThat(f.nothingDueAt(150)).isFalse();
        agrees(f);
        f.scanStarting();
        f.inserted(key(99, "c")); // written during a scan: the floor stays below it
        f.scanEnded(Keys.scheduleStart(5_000));
        assertThat(f.nothingDueAt(99)).isFalse();
        assertThat(f.nothingDueAt(98)).isTrue();
        agrees(f);
    }
}
