package dev.tern.core.server;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;

/**
 * New mail is spooled a moment before its reception event: on that event, wakes the delivery
 * scheduler instead of letting the mail wait for its next poll.
 */
final class WakeOnReception implements EventSink {
    private final Runnable wake;

    WakeOnReception(Runnable wake) {
        this.wake = wake;
    }

    @Override
    public void accept(Event e) {
        if (e.is(EventType.RECEPTION)) wake.run();
    }
}
