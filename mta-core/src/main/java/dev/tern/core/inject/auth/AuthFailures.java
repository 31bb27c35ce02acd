package dev.tern.core.inject.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed SMTP AUTH attempts per client: after {@code maxFailures} failures within
 * {@code window}, the client is locked out for {@code lockout} (its AUTH commands are refused
 * without checking the password). IPv6 clients are counted per /64, the block one host
 * usually has. Tracks a bounded number of clients.
 */
public final class AuthFailures {
    private static final int MAX_TRACKED = 100_000;

    private final int maxFailures;
    private final Duration window;
    private final Duration lockout;
    private final Clock clock;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    private static final class Client {
        final ArrayDeque<Instant> failures = new ArrayDeque<>();
        Instant lockedUntil = Instant.MIN;
    }

    public AuthFailures(int maxFailures, Duration window, Duration lockout, Clock clock) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.lockout = lockout;
        this.clock = clock;
    }

    /** How much longer {@code client} is locked out; empty if it is not. */
    public Optional<Duration> lockedFor(InetAddress client) {
        Client c = clients.get(key(client));
        if (c == null) return Optional.empty();
        Instant now = clock.instant();
        synchronized (c) {
            return now.isBefore(c.lockedUntil) ? Optional.of(Duration.between(now, c.lockedUntil)) : Optional.empty();
        }
    }

    private volatile Runnable onFailure = () -> {};

    /** Runs {@code listener} on every failed attempt (metrics). */
    public void onFailure(Runnable listener) {
        this.onFailure = listener;
    }

    /** Records a failed attempt; returns true when it locks the client out. */
    public boolean failed(InetAddress client) {
        onFailure.run();
        Instant now = clock.instant();
        if (clients.size() >= MAX_TRACKED) prune(now);
        Client c = clients.computeIfAbsent(key(client), k -> new Client());
        synchronized (c) {
            c.failures.addLast(now);
            while (!c.failures.isEmpty() && !c.failures.peekFirst().isAfter(now.minus(window)))
                c.failures.removeFirst();
            if (c.failures.size() >= maxFailures && !now.isBefore(c.lockedUntil)) {
                c.lockedUntil = now.plus(lockout);
                c.failures.clear();
                return true;
            }
            return false;
        }
    }

    private void prune(Instant now) {
        clients.entrySet().removeIf(e -> {
            Client c = e.getValue();
            synchronized (c) {
                return !now.isBefore(c.lockedUntil)
                        && (c.failures.isEmpty() || !c.failures.peekLast().isAfter(now.minus(window)));
            }
        });
    }

    /** Clients counted together: one IPv4 address, or one IPv6 /64. */
    static String key(InetAddress a) {
        if (a == null) return "?";
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && !a.isLoopbackAddress()) return "v6:" + Arrays.toString(Arrays.copyOf(b, 8));
        return a.getHostAddress();
    }
}
