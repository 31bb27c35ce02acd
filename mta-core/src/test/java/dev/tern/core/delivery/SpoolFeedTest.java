package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.delivery.SpoolFeed.EntryKey;
import dev.tern.core.delivery.SpoolFeed.Lease;
import dev.tern.core.delivery.SpoolFeed.Order;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases: bounded in flight, ended exactly once, orders carried to whoever ends them. */
class SpoolFeedTest {
    private static final long T0 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    @Test
    void leasesAreBoundedAndEachEndsOnce() {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        AtomicInteger ended = new AtomicInteger();
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            DeliveryFixture.store(spool, 5, "a.test", false, T0, T0);
            SpoolFeed feed = new SpoolFeed(spool, clock, 3, ended::incrementAndGet);
            List<QueueEntry> first = feed.lease();
            assertThat(first).hasSize(3);
            assertThat(feed.inFlight()).isEqualTo(3);
            assertThat(feed.lease()).isEmpty(); // no room

            QueueEntry e = first.getFirst();
            Lease lease = feed.lease(EntryKey.of(e));
            feed.putBack(e, T0 + 60_000).join();
            assertThat(lease.done).isDone();
            assertThat(feed.inFlight()).isEqualTo(2);
            assertThat(ended).hasValue(1);
            assertThat(spool.entries(e.messageId()).getFirst().nextAttemptAt()).isEqualTo(T0 + 60_000);
            assertThat(spool.entries(e.messageId()).getFirst().attempts()).isZero();

            // one freed place: the next due entry, not the one put back for later
            List<QueueEntry> second = feed.lease();
            assertThat(second).hasSize(1);
            assertThat(second.getFirst().messageId()).isNotEqualTo(e.messageId());
        }
    }

    @Test
    void anEntryPutBackBeyondItsAgeLimitIsDueAtItsLimit() {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            DeliveryFixture.store(spool, 1, "a.test", false, T0, T0);
            SpoolFeed feed = new SpoolFeed(spool, clock, 10, () -> {});
            QueueEntry e = feed.lease().getFirst();
            long limit = e.envelope().expiresAt();
            feed.putBack(e, limit + 3_600_000).join();
            assertThat(spool.entries(e.messageId()).getFirst().nextAttemptAt()).isEqualTo(limit);
            clock.set(limit - 1);
            assertThat(feed.lease()).isEmpty();
            clock.set(limit);
            assertThat(feed.lease()).hasSize(1); // due at its limit: expired by the attempt or the hold there
        }
    }

    @Test
    void anOrderIsTakenUntilTheLeaseEndsAndABounceWins() {
        Lease lease = new Lease(new java.util.concurrent.atomic.AtomicInteger());
        assertThat(lease.offer(new Order(Order.Kind.BOUNCE, "554 5.0.0 purged")))
                .isTrue();
        assertThat(lease.offer(new Order(Order.Kind.RETRY_NOW, null))).isTrue();
        assertThat(lease.order().kind()).isEqualTo(Order.Kind.BOUNCE);
        assertThat(lease.close().reply()).isEqualTo("554 5.0.0 purged");
        assertThat(lease.offer(new Order(Order.Kind.RETRY_NOW, null))).isFalse();
    }
}
