package dev.tern.core.delivery;

import java.time.Instant;

/**
 * One destination's state, for the admin API and metrics.
 *
 * @param key           the queue key ({@code site} or {@code site@source})
 * @param site          the site key
 * @param source        the egress source ("" for the default)
 * @param ready         entries in its ready queue
 * @param sending       entries being sent now
 * @param connections   connections open or opening
 * @param connecting    connections not ready yet (waiting for the banner, EHLO or TLS)
 * @param suspended     held (or bouncing by an automation rule)
 * @param lastError     the last failure reply, or null
 * @param heldDownUntil after a connection failure: no connection before this time, or null
 * @param deferrals     deferrals recorded since start
 */
public record DestinationStatus(
        String key,
        String site,
        String source,
        int ready,
        int sending,
        int connections,
        int connecting,
        boolean suspended,
        String lastError,
        Instant heldDownUntil,
        long deferrals) {}
