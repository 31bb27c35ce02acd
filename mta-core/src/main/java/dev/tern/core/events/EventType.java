package dev.tern.core.events;

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
    CAMPAIGN_RESUMED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
