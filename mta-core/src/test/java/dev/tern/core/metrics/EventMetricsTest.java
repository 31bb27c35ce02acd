package dev.tern.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The delivery latency comes from the reception time remembered from the message's reception
 * event (the first one, when a message has several recipients), and from the spool when that was
 * not seen or was replaced by another message in its slot.
 */
class EventMetricsTest {
    private static final Instant T0 = Instant.parse("2026-12-05T03:00:00Z");

    @Test
    void latencyFromTheFirstReceptionEventElseFromTheSpool() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> askedSpool = new ArrayList<>();
        EventMetrics m = new EventMetrics(registry, id -> {
            askedSpool.add(id);
            return id.equals("spooled") ? OptionalLong.of(T0.toEpochMilli()) : OptionalLong.empty();
        });
        m.accept(event(EventType.RECEPTION, "m1", T0));
        m.accept(event(EventType.RECEPTION, "m1", T0.plusSeconds(1))); // a second recipient: not later
        m.accept(event(EventType.DELIVERY, "m1", T0.plusSeconds(3)));
        m.accept(event(EventType.DELIVERY, "spooled", T0.plusSeconds(7)));
        m.accept(event(EventType.DELIVERY, "unknown", T0.plusSeconds(9)));
        Timer latency = registry.get("tern.delivery.latency").timer();
        assertThat(latency.count()).isEqualTo(2);
        assertThat(latency.totalTime(TimeUnit.SECONDS)).isEqualTo(10.0);
        assertThat(latency.max(TimeUnit.SECONDS)).isEqualTo(7.0);
        assertThat(askedSpool).containsExactly("spooled", "unknown");
    }

    @Test
    void aMessageWhoseSlotWasTakenAsksTheSpool() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> askedSpool = new ArrayList<>();
        EventMetrics m = new EventMetrics(registry, id -> {
            askedSpool.add(id);
            return OptionalLong.of(T0.toEpochMilli());
        });
        // more messages than slots: the first ones are replaced, later ones are remembered
        int n = EventMetrics.MAX_RECENT_RECEPTIONS * 2;
        for (int i = 0; i < n; i++) m.accept(event(EventType.RECEPTION, "id-" + i, T0.plusSeconds(1)));
        for (int i = n - 100; i < n; i++) m.accept(event(EventType.DELIVERY, "id-" + i, T0.plusSeconds(2)));
        m.accept(event(EventType.DELIVERY, "id-0", T0.plusSeconds(2)));
        // almost all of the last 100 are still in their slots (1 s latency); id-0 was most likely
        // replaced by one of the 131,071 later ids and asks the spool: either way it counts once
        Timer latency = registry.get("tern.delivery.latency").timer();
        assertThat(latency.count()).isEqualTo(101);
        assertThat(askedSpool.size()).isLessThan(60);
    }

    private static Event event(EventType type, String id, Instant at) {
        return Event.of(type, id, "r@x.test").time(at).build();
    }
}
