package dev.tern.core.shaping;

/**
 * A token bucket with a burst of one, as a generic cell rate algorithm: events are spaced at
 * least {@code interval} apart, so any window of length T holds at most {@code T/interval + 1}
 * of them. Thread-safe; the interval can change at any time (reload, backoff).
 */
public final class TokenBucket {
    private long intervalNanos;
    private long nextFreeNanos = Long.MIN_VALUE;

    /** A bucket for events spaced {@code intervalNanos} apart; 0 = unlimited. */
    public TokenBucket(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Changes the spacing; the next event waits at most the new interval. */
    public synchronized void interval(long nanos) {
        if (nanos > intervalNanos || nextFreeNanos == Long.MIN_VALUE) {
            intervalNanos = nanos;
            return;
        }
        // faster: shorten the wait already promised
        if (nanos == 0) nextFreeNanos = Long.MIN_VALUE;
        else nextFreeNanos -= intervalNanos - nanos;
        intervalNanos = nanos;
    }

    public synchronized long interval() {
        return intervalNanos;
    }

    /** Nanoseconds until a token is there (0: now), taking nothing. */
    public synchronized long waitNanos(long nowNanos) {
        if (intervalNanos == 0 || nextFreeNanos == Long.MIN_VALUE || nowNanos - nextFreeNanos >= 0) return 0;
        return nextFreeNanos - nowNanos;
    }

    /**
     * Takes a token at {@code nowNanos} if one is there: returns 0. Otherwise returns how many
     * nanoseconds until one is (and takes nothing).
     */
    public synchronized long tryTake(long nowNanos) {
        if (intervalNanos == 0) return 0;
        if (nextFreeNanos != Long.MIN_VALUE && nowNanos - nextFreeNanos < 0) return nextFreeNanos - nowNanos;
        nextFreeNanos = nowNanos + intervalNanos;
        return 0;
    }
}
