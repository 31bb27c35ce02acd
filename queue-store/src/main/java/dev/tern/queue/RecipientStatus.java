package dev.tern.queue;

/** Where one recipient of a queue entry stands. */
public enum RecipientStatus {
    /** Not yet attempted. */
    PENDING,
    /** Attempted and temporarily failed; will be retried. */
    DEFERRED,
    /** Accepted by the destination (final). */
    DELIVERED,
    /** Permanently failed or expired (final). */
    BOUNCED;

    /** True when no further delivery attempt is made for this recipient. */
    public boolean isFinal() {
        return this == DELIVERED || this == BOUNCED;
    }
}
