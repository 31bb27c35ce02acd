package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.ids;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    private static void store(Spool spool, String id, long at, String... domains) {
        Envelope env = envelope(id);
        spool.store(env, body(id), entries(env, at, domains)).join();
    }

    @Test
    void storesAndReadsBack() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "a.example", "b.example");
            assertThat(spool.envelope("m1")).contains(envelope("m1"));
            assertThat(spool.body("m1")).get().isEqualTo(body("m1"));
            assertThat(spool.entries("m1")).extracting(QueueEntry::domain).containsExactly("a.example", "b.example");
            assertThat(spool.entries("m1").get(0).recipients()).hasSize(2);
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 2, body("m1").length, 0));
            assertThat(spool.envelope("nope")).isEmpty();
            assertThat(spool.body("nope")).isEmpty();
            assertThat(spool.entries("nope")).isEmpty();
        }
    }

    @Test
    void dueReturnsEntriesInTimeOrderAndLeasesThem() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "late", 300, "x.example");
            store(spool, "early", 100, "x.example");
            store(spool, "mid", 200, "x.example", "y.example");
            store(spool, "future", 10_000, "x.example");

            assertThat(ids(spool.due(250, 10))).containsExactly("early/x.example", "mid/x.example", "mid/y.example");
            assertThat(spool.due(250, 10))
                    .as("leased entries are not returned twice")
                    .isEmpty();
            assertThat(spool.stats().inFlight()).isEqualTo(3);
            assertThat(ids(spool.due(1_000, 1))).containsExactly("late/x.example");
            assertThat(spool.due(1_000, 10)).isEmpty();
            assertThat(ids(spool.due(Long.MAX_VALUE, 10))).containsExactly("future/x.example");
        }
    }

    @Test
    void dueRespectsLimitAcrossCalls() {
        try (Spool spool = Spool.open(settings(dir))) {
            for (int i = 0; i < 50; i++) store(spool, String.format("m%03d", i), 5, "d.example");
            List<String> seen = new ArrayList<>();
            List<QueueEntry> batch;
            while (!(batch = spool.due(5, 7)).isEmpty()) {
                assertThat(batch.size()).isLessThanOrEqualTo(7);
                seen.addAll(ids(batch));
            }
            assertThat(seen).hasSize(50).doesNotHaveDuplicates();
        }
    }

    @Test
    void entryStoredEarlierThanTheScanFloorIsStillFound() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 500, "d.example");
            assertThat(spool.due(1_000, 10)).hasSize(1);
            // The scan floor is now past t=1000; an entry due at t=5 must still be found.
            store(spool, "m2", 5, "d.example");
            assertThat(ids(spool.due(1_000, 10))).containsExactly("m2/d.example");
            assertThat(ids(spool.due(6, 10))).isEmpty();
        }
    }

    @Test
    void updateRecordsStateAndReschedules() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "d.example");
            QueueEntry leased = spool.due(10, 1).get(0);
            List<RecipientState> rs = List.of(
                    leased.recipients().get(0).with(RecipientStatus.DELIVERED, "250 ok"),
                    leased.recipients().get(1).with(RecipientStatus.DEFERRED, "451 try later"));
            spool.update(leased.withRecipients(rs).rescheduled(5_000, true)).join();

            assertThat(spool.stats().inFlight()).isZero();
            assertThat(spool.due(4_999, 10)).isEmpty();
            QueueEntry again = spool.due(5_000, 10).get(0);
            assertThat(again.attempts()).isEqualTo(1);
            assertThat(again.nextAttemptAt()).isEqualTo(5_000);
            assertThat(again.recipients()).isEqualTo(rs);
            assertThat(again.open()).extracting(RecipientState::address).containsExactly("b@d.example");
        }
    }

    @Test
    void updateOfAnUnknownEntryFails() {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("ghost");
            assertThatThrownBy(() ->
                            spool.update(entries(env, 1, "d.example").get(0)).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SpoolException.class)
                    .hasMessageContaining("not spooled");
        }
    }

    @Test
    void bodyIsDeletedOnlyWhenTheLastEntryCompletes() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "a.example", "b.example");
            store(spool, "m2", 10, "a.example");
            List<QueueEntry> due = spool.due(10, 10);
            assertThat(due).hasSize(3);
            QueueEntry m1a = due.stream()
                    .filter(e -> e.messageId().equals("m1") && e.domain().equals("a.example"))
                    .findFirst()
                    .orElseThrow();
            QueueEntry m1b = due.stream()
                    .filter(e -> e.messageId().equals("m1") && e.domain().equals("b.example"))
                    .findFirst()
                    .orElseThrow();

            spool.complete(m1a).join();
            assertThat(spool.body("m1")).isPresent();
            assertThat(spool.envelope("m1")).isPresent();
            assertThat(spool.entries("m1")).extracting(QueueEntry::domain).containsExactly("b.example");
            assertThat(spool.stats()).isEqualTo(new SpoolStats(2, 2, body("m1").length + body("m2").length, 2));

            spool.complete(m1b).join();
            assertThat(spool.body("m1")).isEmpty();
            assertThat(spool.envelope("m1")).isEmpty();
            assertThat(spool.entries("m1")).isEmpty();
            assertThat(spool.body("m2")).isPresent();
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 1, body("m2").length, 1));

            spool.complete(m1b).join(); // idempotent
            assertThat(spool.stats()).isEqualTo(new SpoolStats(1, 1, body("m2").length, 1));
        }
    }

    @Test
    void concurrentCompletesOfOneMessageDeleteItsBody() {
        try (Spool spool = Spool.open(settings(dir))) {
            String[] domains = new String[20];
            for (int i = 0; i < domains.length; i++) domains[i] = "d" + i + ".example";
            store(spool, "m1", 10, domains);
            List<QueueEntry> due = spool.due(10, 100);
            due.parallelStream().map(spool::complete).toList().forEach(f -> f.join());
            assertThat(spool.body("m1")).isEmpty();
            assertThat(spool.stats()).isEqualTo(new SpoolStats(0, 0, 0, 0));
        }
    }

    @Test
    void releaseMakesAnEntryDueAgainUnchanged() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "d.example");
            QueueEntry leased = spool.due(10, 1).get(0);
            assertThat(spool.due(10, 1)).isEmpty();
            spool.release(leased);
            assertThat(spool.stats().inFlight()).isZero();
            assertThat(spool.due(10, 1)).containsExactly(leased);
        }
    }

    @Test
    void duplicateMessageIdIsRefusedAndOriginalKept() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "d.example");
            Envelope other = new Envelope("m1", "x@y", "", "", "", true, 5, 6, 1, null);
            assertThatThrownBy(() -> spool.store(other, new byte[] {1}, entries(other, 1, "z.example"))
                            .join())
                    .hasCauseInstanceOf(SpoolException.class)
                    .hasMessageContaining("already spooled");
            assertThat(spool.envelope("m1")).contains(envelope("m1"));
            assertThat(spool.entries("m1")).hasSize(1);
            assertThat(spool.stats().messages()).isEqualTo(1);
        }
    }

    @Test
    void invalidStoresAreRejected() {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope env = envelope("m1");
            assertThatThrownBy(() -> spool.store(env, body("m1"), List.of()))
                    .isInstanceOf(IllegalArgumentException.class);
            List<QueueEntry> twice = List.of(
                    entries(env, 1, "d.example").get(0),
                    entries(env, 1, "d.example").get(0));
            assertThatThrownBy(() -> spool.store(env, body("m1"), twice)).isInstanceOf(IllegalArgumentException.class);
            List<QueueEntry> foreign = entries(envelope("m2"), 1, "d.example");
            assertThatThrownBy(() -> spool.store(env, body("m1"), foreign))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(spool.stats().messages()).isZero();
        }
    }

    @Test
    void forEachEntryVisitsEverything() {
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "a.example", "b.example");
            store(spool, "m2", 20, "a.example");
            spool.due(10, 1);
            List<String> seen = new ArrayList<>();
            spool.forEachEntry(e -> seen.add(e.messageId() + "/" + e.domain()));
            assertThat(seen).containsExactlyInAnyOrder("m1/a.example", "m1/b.example", "m2/a.example");
        }
    }

    @Test
    void reopenKeepsEverythingAndRecoversLeasedEntries() {
        QueueEntry leased;
        try (Spool spool = Spool.open(settings(dir))) {
            store(spool, "m1", 10, "a.example", "b.example");
            store(spool, "m2", 50_000, "a.example");
            spool.suppress(new Suppression("t1", "Gone@Example.com", "userunknown", 7))
                    .join();
            leased = spool.due(10, 1).get(0);
            assertThat(spool.recoveredCount()).isZero();
        } // closed without releasing: the lease is "in flight at stop"
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.recoveredCount()).isEqualTo(1);
            assertThat(spool.stats()).isEqualTo(new SpoolStats(2, 3, body("m1").length + body("m2").length, 0));
            assertThat(spool.body("m1")).get().isEqualTo(body("m1"));
            assertThat(spool.suppression("t1", "gone@example.com")).isPresent();
            assertThat(ids(spool.due(10, 10))).containsExactly("m1/a.example", "m1/b.example");
            assertThat(spool.due(10, 10)).isEmpty();
            assertThat(leased.messageId()).isEqualTo("m1");
        }
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.recoveredCount()).isEqualTo(2);
        }
    }

    @Test
    void closedSpoolRefusesWork() {
        Spool spool = Spool.open(settings(dir));
        spool.close();
        spool.close();
        assertThatThrownBy(() -> spool.body("m1"))
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("closed");
        Envelope env = envelope("m1");
        assertThatThrownBy(() -> spool.store(env, body("m1"), entries(env, 1, "d.example"))
                        .join())
                .hasCauseInstanceOf(SpoolException.class);
    }
}
