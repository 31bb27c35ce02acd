package dev.tern.core.server;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server started, closed in reverse order: on a normal stop, and when start-up fails
 * half-way (then only what was started is closed). A part that fails to close is logged and
 * the others are still closed.
 */
final class Lifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** Stops one part. */
    @FunctionalInterface
    interface Stop {
        void stop() throws Exception;
    }

    private record Part(String name, Stop stop) {}

    private final Deque<Part> parts = new ArrayDeque<>();

    /** Registers a started part; returns it. */
    <T extends AutoCloseable> T add(String name, T part) {
        parts.push(new Part(name, part::close));
        return part;
    }

    /** Registers how to stop something started. */
    void onClose(String name, Stop stop) {
        parts.push(new Part(name, stop));
    }

    /** Stops every registered part, the last registered first; each at most once. */
    @Override
    public synchronized void close() {
        while (!parts.isEmpty()) {
            Part p = parts.pop();
            try {
                p.stop().stop();
            } catch (Exception | LinkageError e) {
                log.warn("closing {} failed: {}", p.name(), e.toString());
            }
        }
    }
}
