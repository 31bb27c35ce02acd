package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A message's outcome events never come before its reception events. */
class EventBusTest {
    private final EventBus bus = new EventBus();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    EventBusTest() {
        bus.register(e -> seen.add(e.kind().wireName() + ":" + e.messageId()));
    }

    @Test
    void eventsOfAMessageWaitingForItsReceptionFollowIt() {
        bus.holdUntilReception("m1");
        bus.publish(Event.of(EventType.DELIVERY, "m1", "a@x.test").build()); // the engine was faster
        bus.publish(Event.of(EventType.DELIVERY, "m2", "b@x.test").build()); // another message: not held
        bus.publish(Event.of(EventType.TRANSIENT_FAILURE, "m1", "c@x.test").build());
        assertThat(seen).containsExactly("delivery:m2");

        bus.publish(Event.of(EventType.RECEPTION, "m1", "a@x.test").build());
        bus.publish(Event.of(EventType.RECEPTION, "m1", "c@x.test").build());
        bus.receptionPublished("m1");
        assertThat(seen)
                .containsExactly("delivery:m2", "reception:m1", "reception:m1", "delivery:m1", "transient_failure:m1");

        bus.publish(Event.of(EventType.DELIVERY, "m1", "a@x.test").build());
        assertThat(seen).hasSize(6).last().isEqualTo("delivery:m1");
    }

    @Test
    void releasingAMessageThatHeldNothingIsHarmless() {
        bus.holdUntilReception("m3");
        bus.receptionPublished("m3");
        bus.receptionPublished("never-held");
        bus.publish(Event.of(EventType.BOUNCE, "m3", "a@x.test").build());
        assertThat(seen).containsExactly("bounce:m3");
    }
}
