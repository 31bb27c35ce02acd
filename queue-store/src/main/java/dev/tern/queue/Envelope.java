package dev.tern.queue;

import java.util.Map;
import java.util.Objects;

/**
 * What Tern knows about one accepted message, stored once per message.
 *
 * @param messageId     Tern's queue id (unique, time-sortable)
 * @param returnPath    the envelope sender (MAIL FROM), empty for the null sender
 * @param tenant        the tenant that injected it, or empty
 * @param campaign      the campaign tag, or empty
 * @param pool          the egress pool name, or empty for the default pool
 * @param transactional true for the transactional lane (never waits behind bulk)
 * @param receivedAt    reception time, epoch milliseconds
 * @param expiresAt     time after which undelivered recipients expire, epoch milliseconds
 * @param bodySize      size of the stored body in bytes
 * @param attributes    further string attributes (DKIM status, client address, ...)
 */
public record Envelope(
        String messageId,
        String returnPath,
        String tenant,
        String campaign,
        String pool,
        boolean transactional,
        long receivedAt,
        long expiresAt,
        long bodySize,
        Map<String, String> attributes) {

    public Envelope {
        Objects.requireNonNull(messageId, "messageId");
        returnPath = returnPath == null ? "" : returnPath;
        tenant = tenant == null ? "" : tenant;
        campaign = campaign == null ? "" : campaign;
        pool = pool == null ? "" : pool;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
