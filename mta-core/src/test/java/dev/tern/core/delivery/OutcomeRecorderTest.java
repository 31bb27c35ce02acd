package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.delivery.OutcomeRecorder.Result;
import dev.tern.core.delivery.SpoolFeed.EntryKey;
import dev.tern.core.delivery.SpoolFeed.Order;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outcomes on a virtual clock: the retry schedule, final states, and an operator's order on the lease. */
class OutcomeRecorderTest {
    private static final long T0 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    private static final Attempt AT = new Attempt("route:127.0.0.1:25", "127.0.0.1:25", null);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private Spool spool;
    private SpoolFeed feed;
    private OutcomeRecorder recorder;

    @BeforeEach
    void open() {
        spool = Spool.open(SpoolSettings.defaults(dir));
        feed = new SpoolFeed(spool, clock, 100, () -> {});
        EventBus bus = new EventBus();
        bus.register(events::add);
        recorder = new OutcomeRecorder(
                spool,
                feed,
                bus,
                new RetryPolicy(Duration.ofMinutes(1), 2, Duration.ofHours(1), 0),
                ReplyClassifier.shipped(),
                clock);
    }

    @AfterEach
    void close() {
        spool.close();
    }

    private QueueEntry leased() {
        DeliveryFixture.store(spool, 1, "a.test", false, T0, T0);
        return feed.lease().getFirst();
    }

    private static Map<String, Result> all(QueueEntry e, RecipientStatus s, String reply) {
        return Map.of(e.open().getFirst().address(), new Result(s, reply));
    }

    @Test
    void aDeferralFollowsTheRetryPolicyAndADeliveryCompletesTheEntry() {
        QueueEntry e = leased();
        recorder.record(e, all(e, RecipientStatus.DEFERRED, "451 4.3.0 busy"), AT)
                .join();
        QueueEntry stored = spool.entries(e.messageId()).getFirst();
        assertThat(stored.attempts()).isEqualTo(1);
        assertThat(stored.nextAttemptAt()).isEqualTo(T0 + 60_000);
        assertThat(feed.inFlight()).isZero();
        assertThat(events).extracting(Event::eventType).containsExactly(EventType.TRANSIENT_FAILURE);

        clock.set(T0 + 60_000);
        QueueEntry again = feed.lease().getFirst();
        recorder.record(again, all(again, RecipientStatus.DELIVERED, "250 2.0.0 ok"), AT)
                .join();
        assertThat(spool.entries(e.messageId())).isEmpty();
        assertThat(events).extracting(Event::eventType).endsWith(EventType.DELIVERY);
    }

    @Test
    void anOperatorsBounceOnTheLeaseBouncesWhatTheAttemptLeftOpen() {
        QueueEntry e = leased();
        assertThat(feed.lease(EntryKey.of(e)).offer(new Order(Order.Kind.BOUNCE, "554 5.0.0 purged by operator")))
                .isTrue();
        recorder.record(e, all(e, RecipientStatus.DEFERRED, "451 4.3.0 busy"), AT)
                .join();
        assertThat(spool.entries(e.messageId())).isEmpty();
        assertThat(events).extracting(Event::eventType).containsExactly(EventType.TRANSIENT_FAILURE, EventType.BOUNCE);
        assertThat(events.getLast().reply()).isEqualTo("554 5.0.0 purged by operator");
    }

    @Test
    void anOperatorsRetryOnTheLeaseMakesTheNextAttemptDueNow() {
        QueueEntry e = leased();
        feed.lease(EntryKey.of(e)).offer(new Order(Order.Kind.RETRY_NOW, null));
        recorder.record(e, all(e, RecipientStatus.DEFERRED, "451 4.3.0 busy"), AT)
                .join();
        QueueEntry stored = spool.entries(e.messageId()).getFirst();
        assertThat(stored.nextAttemptAt()).isEqualTo(T0);
        assertThat(stored.attempts()).isEqualTo(1);
    }

    @Test
    void theLastRetryFallsOnTheAgeLimitAndAnEntryPastItExpires() {
        QueueEntry e = leased();
        long limit = e.envelope().expiresAt();
        clock.set(limit - 30_000); // a 1-minute delay would end past the limit
        recorder.record(e, all(e, RecipientStatus.DEFERRED, "451 4.3.0 busy"), AT)
                .join();
        assertThat(spool.entries(e.messageId()).getFirst().nextAttemptAt()).isEqualTo(limit);

        clock.set(limit + 1);
        QueueEntry late = feed.lease().getFirst();
        recorder.expire(late, AT).join();
        assertThat(spool.entries(e.messageId())).isEmpty();
        assertThat(events).extracting(Event::eventType).endsWith(EventType.EXPIRATION);
        assertThat(events.getLast().reply()).isEqualTo("451 4.3.0 busy");
    }
}
