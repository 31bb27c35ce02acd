package dev.tern.core.unsubscribe;

import dev.tern.core.config.Rate;
import java.net.InetAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests per client address: a token bucket of {@code rate.count()} requests refilled over
 * {@code rate.per()}, per address. At most {@link #MAX_ADDRESSES} addresses are remembered (the
 * least recently seen is forgotten), so memory is bounded whoever connects.
 */
final class AddressRateLimiter {
    static final int MAX_ADDRESSES = 10_000;

    private final Rate rate;
    private final Clock clock;
    private final Map<InetAddress, double[]> buckets = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, double[]> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    AddressRateLimiter(Rate rate, Clock clock) {
        this.rate = rate;
        this.clock = clock;
    }

    /** Takes one request for {@code address}; false when it is over its rate. */
    synchronized boolean tryAcquire(InetAddress address) {
        long now = clock.millis();
        double perMs = (double) rate.count() / rate.per().toMillis();
        double[] b = buckets.computeIfAbsent(address, a -> new double[] {rate.count(), now});
        b[0] = Math.min(rate.count(), b[0] + (now - b[1]) * perMs);
        b[1] = now;
        if (b[0] < 1) return false;
        b[0] -= 1;
        return true;
    }

    /** Seconds until {@code address} may send again (for Retry-After), at least 1. */
    synchronized long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(rate.per().toMillis() / (double) rate.count() / 1000));
    }
}
