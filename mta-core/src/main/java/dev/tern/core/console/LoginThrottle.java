package dev.tern.core.console;

import java.time.Clock;
import java.time.Duration;

/**
 * Limits wrong-token logins: after {@code maxFailures} failures within one window, every login is
 * refused until the window ends (a guessing client cannot try more than that many tokens per window).
 */
public final class LoginThrottle {
    private final Clock clock;
    private final int maxFailures;
    private final long windowMillis;
    private long windowStart;
    private int failures;

    public LoginThrottle(Clock clock, int maxFailures, Duration window) {
        if (maxFailures < 1 || window.isNegative() || window.isZero())
            throw new IllegalArgumentException("bad throttle limits");
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.windowMillis = window.toMillis();
        this.windowStart = clock.millis();
    }

    /** Whether a login may be tried now. */
    public synchronized boolean allowed() {
        roll();
        return failures < maxFailures;
    }

    /** Counts a failed login. */
    public synchronized void failed() {
        roll();
        failures++;
    }

    private void roll() {
        long now = clock.millis();
        if (now - windowStart >= windowMillis) {
            windowStart = now;
            failures = 0;
        }
    }
}
