package dev.tern.core.inject;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Rate-limited one-line warnings for client-caused errors (failed TLS handshakes, timeouts,
 * stress): per kind, at most {@code perMinute} lines a minute; what is held back is counted and
 * reported with the next line of that kind. Never logs a stack trace.
 */
final class LogLimiter {
    private final Logger log;
    private final Clock clock;
    private final int perMinute;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long start = Long.MIN_VALUE;
        int logged;
        long held;
    }

    LogLimiter(Logger log, Clock clock, int perMinute) {
        this.log = log;
        this.clock = clock;
        this.perMinute = perMinute;
    }

    /** Logs {@code message} (a WARN line) unless {@code kind} has had its lines this minute; true if logged. */
    boolean warn(String kind, String message) {
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        long now = clock.millis();
        long held;
        synchronized (w) {
            if (w.start == Long.MIN_VALUE || now - w.start >= 60_000) {
                w.start = now;
                w.logged = 0;
            }
            if (w.logged >= perMinute) {
                w.held++;
                return false;
            }
            w.logged++;
            held = w.held;
            w.held = 0;
        }
        if (held > 0) log.warn("{} ({} more like it not logged)", message, held);
        else log.warn("{}", message);
        return true;
    }
}
