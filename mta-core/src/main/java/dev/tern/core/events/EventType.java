package dev.tern.core.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What happened to a message or recipient. Serialized in lower snake case ({@code transient_failure}).
 * {@code CAMPAIGN_PAUSED}/{@code CAMPAIGN_RESUMED} concern a whole campaign (no message or recipient).
 */
public enum EventType {
    RECEPTION,
    DELIVERY,
    TRANSIENT_FAILURE,
    BOUNCE,
    EXPIRATION,
    COMPLAINT,
    ASYNC_BOUNCE,
    SUPPRESSED,
    CAMPAIGN_PAUSED,
    CAMPAIGN_RESUMED,
    /** Returned mail (DSN or ARF) that no authenticated token ties to a message Tern sent: acted on by nobody. */
    UNMATCHED_FEEDBACK,
    /** A recipient unsubscribed (one-click or mailto). */
    UNSUBSCRIBE;

    /** The name in the event log and webhooks: {@code transient_failure}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of a wire name; an unknown name is an {@link IllegalArgumentException} naming it. */
    @JsonCreator
    public static EventType fromWire(String wire) {
        for (EventType t : values()) if (t.wireName().equals(wire)) return t;
        throw new IllegalArgumentException("unknown event type: " + wire);
    }
}
