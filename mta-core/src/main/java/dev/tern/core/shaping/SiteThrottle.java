package dev.tern.core.shaping;

import dev.tern.core.config.Rate;
import dev.tern.core.config.ShapingConfig;

/**
 * The run-time limits of one site (or one (egress source, site) pair): open connections against
 * {@code max_connections}, token buckets for the message and connection rates, a temporary
 * backoff (automation "throttle") and the adaptive (AIMD) factor. Limits can be replaced at any
 * time (reload); open connections are kept, and the new limits apply to what comes next.
 * Times are monotonic nanoseconds passed in by the caller (its ticker: {@link System#nanoTime()} in
 * production, virtual time in tests, see {@code ShapingTest}). Thread-safe.
 */
public final class SiteThrottle {
    private SiteLimits limits;
    private int connections;
    private final TokenBucket messages = new TokenBucket(0);
    private final TokenBucket connects = new TokenBucket(0);
    private double backoffConnections = 1;
    private double backoffRate = 1;
    private long backoffUntil;
    private boolean backoffActive;
    private ShapingConfig.Adaptive adaptive;
    private double adaptiveFactor = 1;
    private int cleanReplies;
    /** The fleet's part of these limits, or null when this node is alone (then nothing changes). */
    private volatile SharedLimit shared;
    /** The fraction of the limits this node enforces alone (1 unless the fleet is degraded). */
    private double sharedFactor = 1;
    /** A connection refused by the fleet's lease count is tried again after this. */
    static final long LEASE_RETRY_NANOS = 100_000_000L;

    public SiteThrottle(SiteLimits limits, ShapingConfig.Adaptive adaptive) {
        this.limits = limits;
        this.adaptive = adaptive;
        this.adaptiveFactor = adaptive != null && adaptive.enabled() ? adaptive.startFactor() : 1;
        retune();
    }

    /** Shares these limits with the fleet (set once, before use). */
    public synchronized void share(SharedLimit limit) {
        shared = limit;
        sharedFactor = limit.localFactor();
        retune();
    }

    /** Follows the fleet's mode: full limits while shared, the local share while degraded. */
    private void followFleet() {
        if (shared == null) return;
        double f = shared.localFactor();
        if (f != sharedFactor) {
            sharedFactor = f;
            retune();
        }
    }

    /** Replaces the limits (configuration reload); connections already open stay open. */
    public synchronized void update(SiteLimits next, ShapingConfig.Adaptive nextAdaptive) {
        limits = next;
        boolean wasAdaptive = adaptive != null && adaptive.enabled();
        adaptive = nextAdaptive;
        if (nextAdaptive == null || !nextAdaptive.enabled()) adaptiveFactor = 1;
        else if (!wasAdaptive) adaptiveFactor = nextAdaptive.startFactor();
        retune();
    }

    public synchronized SiteLimits limits() {
        return limits;
    }

    /** Connections open (or being opened) now. */
    public synchronized int connections() {
        return connections;
    }

    /** The connection limit in effect now (after backoff and the adaptive factor). */
    public synchronized int effectiveMaxConnections(long now) {
        expireBackoff(now);
        followFleet();
        if (limits.maxConnections() == Integer.MAX_VALUE) return Integer.MAX_VALUE;
        return Math.max(
                1, (int) Math.floor(limits.maxConnections() * backoffConnections * adaptiveFactor * sharedFactor));
    }

    /**
     * Reserves a connection: 0 when reserved, -1 when the site is at its connection limit,
     * otherwise the nanoseconds to wait for the connection rate (nothing reserved).
     */
    public synchronized long tryOpen(long now) {
        int max = effectiveMaxConnections(now);
        if (connections >= max) return -1;
        if (shared != null) return tryOpenShared(now, max);
        long wait = connects.tryTake(now);
        if (wait > 0) return wait;
        connections++;
        return 0;
    }

    /** {@link #tryOpen} with the fleet: the local rate first, then a lease from the fleet's count. */
    private long tryOpenShared(long now, int max) {
        long wait = connects.waitNanos(now);
        if (wait > 0) return wait;
        if (max != Integer.MAX_VALUE && !shared.tryConnection(max)) return LEASE_RETRY_NANOS;
        connects.tryTake(now);
        connections++;
        return 0;
    }

    /**
     * Whether this node holds more connections than its limit allows now because the fleet went to
     * degraded mode (its local share): such a connection ends after its current message. Always
     * false for a node alone (one volatile read).
     */
    public boolean overFleetShare(long now) {
        if (shared == null) return false;
        synchronized (this) {
            return sharedFactor < 1 && connections > effectiveMaxConnections(now);
        }
    }

    /** Whether the connection limit is counted across a fleet (other nodes' connections take from it too). */
    public boolean shared() {
        return shared != null;
    }

    /** Ends a reservation made by {@link #tryOpen}. */
    public synchronized void closed() {
        if (connections > 0) {
            connections--;
            if (shared != null && limits.maxConnections() != Integer.MAX_VALUE) shared.closed();
        }
    }

    /** Takes a message token: 0 when taken, else the nanoseconds until one is there. */
    public synchronized long tryMessage(long now) {
        expireBackoff(now);
        if (shared == null) return messages.tryTake(now);
        followFleet();
        long wait = messages.waitNanos(now);
        if (wait > 0) return wait;
        if (messages.interval() == 0) return 0;
        long fleetWait = shared.tryMessage(now, messages.interval());
        return fleetWait > 0 ? fleetWait : messages.tryTake(now);
    }

    /** Nanoseconds until a message token is there (0: now), taking nothing. */
    public synchronized long messageWait(long now) {
        expireBackoff(now);
        followFleet();
        return messages.waitNanos(now);
    }

    /** Multiplies connections and rates by the factors until {@code until} (the stronger of two backoffs wins). */
    public synchronized void backoff(double connectionFactor, double rateFactor, long now, long until) {
        expireBackoff(now);
        backoffConnections = backoffActive ? Math.min(backoffConnections, connectionFactor) : connectionFactor;
        backoffRate = backoffActive ? Math.min(backoffRate, rateFactor) : rateFactor;
        backoffUntil = backoffActive ? Math.max(backoffUntil, until) : until;
        backoffActive = true;
        retune();
    }

    public synchronized boolean backedOff(long now) {
        expireBackoff(now);
        return backoffActive;
    }

    /** Adaptive mode: a reply without pushback (additive increase after enough of them). */
    public synchronized void clean() {
        if (adaptive == null || !adaptive.enabled() || adaptiveFactor >= 1) return;
        if (++cleanReplies >= adaptive.cleanReplies()) {
            cleanReplies = 0;
            adaptiveFactor = Math.min(1, adaptiveFactor + adaptive.increase());
            retune();
        }
    }

    /** Adaptive mode: pushback from the site (multiplicative decrease). */
    public synchronized void pushback() {
        if (adaptive == null || !adaptive.enabled()) return;
        cleanReplies = 0;
        adaptiveFactor = Math.max(adaptive.minFactor(), adaptiveFactor * adaptive.decrease());
        retune();
    }

    /** The adaptive factor (1 when the adaptive mode is off). */
    public synchronized double adaptiveFactor() {
        return adaptiveFactor;
    }

    private void expireBackoff(long now) {
        if (backoffActive && now - backoffUntil >= 0) {
            backoffActive = false;
            backoffConnections = 1;
            backoffRate = 1;
            retune();
        }
    }

    private void retune() {
        double factor = backoffRate * adaptiveFactor * sharedFactor;
        messages.interval(interval(limits.messageRate(), factor));
        connects.interval(interval(limits.connectionRate(), factor));
    }

    private static long interval(Rate rate, double factor) {
        if (rate == null) return 0;
        return (long) Math.ceil(rate.intervalNanos() / factor);
    }
}
