package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk-space floor: new data is refused, existing data stays readable and can drain. */
class SpoolCapacityTest {
    @TempDir
    Path dir;

    private SpoolSettings withFloor(long floor) {
        return new SpoolSettings(dir, true, floor, SpoolSettings.Tuning.defaults(), SpoolObserver.NONE);
    }

    @Test
    void underTheFloorStoresFailButSpooledDataIsIntactAndDrains() {
        try (Spool spool = Spool.open(withFloor(0))) {
            for (String id : List.of("m1", "m2")) {
                Envelope env = envelope(id);
                spool.store(env, body(id), entries(env, 10, "a.example", "b.example"))
                        .join();
            }
        }
        try (Spool spool = Spool.open(withFloor(Long.MAX_VALUE))) {
            Envelope env = envelope("m3");
            assertThatThrownBy(() -> spool.store(env, body("m3"), entries(env, 10, "a.example"))
                            .join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(SpoolFullException.class)
                    .hasMessageContaining("disk full");
            assertThatThrownBy(() -> spool.suppress(new Suppression("", "x@y", "manual", 1))
                            .join())
                    .hasCauseInstanceOf(SpoolFullException.class);
            assertThat(spool.envelope("m3")).isEmpty();

            // Reads, update and complete still work under the floor.
            assertThat(spool.body("m1")).get().isEqualTo(body("m1"));
            List<QueueEntry> due = spool.due(10, 10);
            assertThat(Messages.ids(due))
                    .containsExactly("m1/a.example", "m1/b.example", "m2/a.example", "m2/b.example");
            spool.complete(due.get(0)).join();
            spool.complete(due.get(1)).join();
            spool.update(due.get(2).rescheduled(99, true)).join();
            spool.release(due.get(3));
            assertThat(spool.stats().messages()).isEqualTo(1);
        }
        try (Spool spool = Spool.open(withFloor(0))) {
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 2, body("m2").length, 0));
            assertThat(spool.entries("m2")).hasSize(2);
            assertThat(spool.entries("m1")).isEmpty();
            Envelope env = envelope("m3");
            spool.store(env, body("m3"), entries(env, 10, "a.example")).join();
            assertThat(spool.stats().messages()).isEqualTo(2);
        }
    }
}
