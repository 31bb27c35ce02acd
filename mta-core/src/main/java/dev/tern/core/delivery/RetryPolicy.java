package dev.tern.core.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential retry schedule with jitter: attempt n waits {@code initial * multiplier^(n-1)},
 * capped at {@code max}, spread by +-{@code jitter}.
 */
public record RetryPolicy(Duration initial, double multiplier, Duration max, double jitter) {

    /** Delay before the next attempt after {@code attempts} failed attempts (>= 1). */
    public Duration delayAfter(int attempts) {
        double base = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempts - 1));
        double capped = Math.min(base, max.toMillis());
        double spread = jitter == 0 ? 0 : (ThreadLocalRandom.current().nextDouble() * 2 - 1) * jitter;
        return Duration.ofMillis(Math.max(1, Math.round(capped * (1 + spread))));
    }
}
