package dev.tern.queue;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A suspension of delivery, stored in the spool so it survives restarts: while it is in force,
 * mail of its target stays in the spool and no connection is opened for it.
 *
 * @param target    what is held
 * @param reason    why (free text, one line; may be empty)
 * @param origin    who or what set it
 * @param createdAt when it was set
 * @param expiresAt when it ends by itself, or null (until released)
 */
public record Hold(HoldTarget target, String reason, HoldOrigin origin, Instant createdAt, Instant expiresAt) {
    public Hold {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(createdAt, "createdAt");
        reason = reason == null ? "" : reason;
    }

    /** When it ends by itself, if it does. */
    public Optional<Instant> expiry() {
        return Optional.ofNullable(expiresAt);
    }

    /** Whether it is over at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
