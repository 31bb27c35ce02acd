package dev.tern.core.shaping;

/**
 * The part of a {@link SiteThrottle}'s limits shared with the other nodes of a fleet
 * ({@code fleet:} configured): consulted after the throttle's own checks pass. A throttle of a
 * node that is alone has none, and its path is unchanged.
 */
public interface SharedLimit {
    /**
     * The fraction of the configured limits this node enforces on its own: 1 while the limits are
     * shared, the configured local share while the shared store is unreachable (degraded mode).
     */
    double localFactor();

    /**
     * Takes one message token from the fleet's budget for the site, at most one per
     * {@code intervalNanos} across the fleet: 0 when taken, else the nanoseconds to wait
     * (nothing taken). Always 0 in degraded mode.
     */
    long tryMessage(long nowNanos, long intervalNanos);

    /**
     * Takes a connection lease while the fleet holds fewer than {@code max}: true when taken (or in
     * degraded mode, where the local limit alone decides); each true is ended by {@link #closed}.
     */
    boolean tryConnection(int max);

    /** Ends one connection counted by {@link #tryConnection}. */
    void closed();

    /** What a node uses to find the shared part of each throttle it creates. */
    interface Source {
        /** The shared limit of {@code key}: a site key, or {@code site@source} for a (source, site) pair. */
        SharedLimit limit(String key);
    }
}
