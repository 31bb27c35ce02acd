package dev.tern.core.inject;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A daemon thread that runs {@code tick} every period while there is something to watch and ends
 * when {@code idle} says there is nothing; {@link #ensureRunning()} (called after adding something
 * to watch) starts it again. Used for the injection's read deadlines ({@link ConnectionGuard}) and
 * spool-write waits ({@link SpoolWaits}), so that neither needs a timer per read or per message.
 */
final class WhileBusyLoop {
    private final String threadName;
    private final long periodNanos;
    private final BooleanSupplier idle;
    private final Runnable tick;
    private final AtomicBoolean running = new AtomicBoolean();

    WhileBusyLoop(String threadName, long periodNanos, BooleanSupplier idle, Runnable tick) {
        this.threadName = threadName;
        this.periodNanos = periodNanos;
        this.idle = idle;
        this.tick = tick;
    }

    /** Starts the loop unless it runs; call after adding what it watches. */
    void ensureRunning() {
        // a plain read first: called per message, mostly while the loop runs (no contended CAS then)
        if (!running.get() && running.compareAndSet(false, true))
            Thread.ofPlatform().daemon(true).name(threadName).start(this::loop);
    }

    private void loop() {
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(periodNanos);
            } catch (InterruptedException e) {
                running.set(false);
                return;
            }
            if (idle.getAsBoolean()) {
                running.set(false);
                // what was added meanwhile either saw running still true (and is ours) or started a new loop
                if (idle.getAsBoolean() || !running.compareAndSet(false, true)) return;
            }
            tick.run();
        }
    }
}
