package dev.tern.core.inject.auth;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user message rate limits: a token bucket per second and one per minute for each user,
 * shared by all of its sessions. A bucket holds as many tokens as its limit (so a user may
 * send its whole per-minute allowance in a burst) and refills continuously. One token is one
 * recipient (one stored copy): a message to 500 recipients costs 500, not 1.
 */
public final class UserRates {
    /** A user's limits; 0 = unlimited. */
    public record Limit(int perSecond, int perMinute) {
        public static final Limit NONE = new Limit(0, 0);
    }

    private final Map<String, Limit> limits;
    private final Clock clock;
    private final Map<String, Bucket[]> buckets = new ConcurrentHashMap<>();

    public UserRates(Map<String, Limit> limits, Clock clock) {
        this.limits = Map.copyOf(limits);
        this.clock = clock;
    }

    /** No limits for anybody. */
    public static UserRates none() {
        return new UserRates(Map.of(), Clock.systemUTC());
    }

    /** Takes one recipient from {@code user}'s allowance; false (taking nothing) if the user is over a limit. */
    public boolean tryAcquire(String user) {
        return take(user, 1, true);
    }

    /** True when {@code user} has at least one recipient of allowance left (takes nothing). */
    public boolean hasAllowance(String user) {
        return take(user, 1, false);
    }

    private boolean take(String user, int n, boolean consume) {
        Limit limit = limits.getOrDefault(user, Limit.NONE);
        if (limit.perSecond() <= 0 && limit.perMinute() <= 0) return true;
        Bucket[] b = buckets.computeIfAbsent(user, u -> new Bucket[] {
            limit.perSecond() > 0 ? new Bucket(limit.perSecond(), 1_000) : null,
            limit.perMinute() > 0 ? new Bucket(limit.perMinute(), 60_000) : null
        });
        long now = clock.millis();
        synchronized (b) {
            for (Bucket x : b) if (x != null && x.available(now) < n) return false;
            if (consume) for (Bucket x : b) if (x != null) x.tokens -= n;
            return true;
        }
    }

    private static final class Bucket {
        final double capacity;
        final double perMilli;
        double tokens;
        long last = Long.MIN_VALUE;

        Bucket(int limit, long periodMillis) {
            capacity = limit;
            perMilli = limit / (double) periodMillis;
            tokens = limit;
        }

        double available(long now) {
            if (last != Long.MIN_VALUE && now > last) tokens = Math.min(capacity, tokens + (now - last) * perMilli);
            last = Math.max(now, last == Long.MIN_VALUE ? now : last);
            return tokens;
        }
    }
}
