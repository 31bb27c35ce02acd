package dev.tern.core.delivery;

import java.time.Clock;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Decides when a destination may open one more connection: not while it is paused (held or
 * bouncing) or held down after a connection failure, within its site's and its own throttle
 * (connections, connection rate, message pace), and within the global number of connections.
 * A destination that finds no global slot waits in the starved queue and is served when a
 * connection anywhere closes.
 */
final class Admission {
    /** Opens a connection for a destination that was admitted (its slot is taken). */
    interface Connector {
        void connect(Destination d);
    }

    /** A connection waits this long at most for a message token; beyond, it is closed. */
    static final long MAX_IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Semaphore slots;
    private final int maxConnections;
    private final ConcurrentLinkedQueue<Destination> starved = new ConcurrentLinkedQueue<>();
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final RetryPolicy retry;
    private final ScheduledExecutorService timer;
    private final Executor worker;
    private final BooleanSupplier running;
    private final Predicate<Destination> paused;
    private final Function<Destination, Iterable<Destination>> siblings;
    private volatile Connector connector;

    /**
     * @param nanoTime the monotonic time throttles run on
     * @param paused   whether a destination is held or bouncing (no connection at all)
     * @param siblings the destinations sharing a site's connection limit
     */
    Admission(
            int maxConnections,
            Clock clock,
            LongSupplier nanoTime,
            RetryPolicy retry,
            ScheduledExecutorService timer,
            Executor worker,
            BooleanSupplier running,
            Predicate<Destination> paused,
            Function<Destination, Iterable<Destination>> siblings) {
        this.maxConnections = maxConnections;
        this.slots = new Semaphore(maxConnections);
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.retry = retry;
        this.timer = timer;
        this.worker = worker;
        this.running = running;
        this.paused = paused;
        this.siblings = siblings;
    }

    void connector(Connector c) {
        connector = c;
    }

    /** Outbound connections open or being opened. */
    int open() {
        return maxConnections - slots.availablePermits();
    }

    /** Opens as many connections for {@code d} as its work and its limits allow now; schedules a retry if limited. */
    void maybeConnect(Destination d) {
        if (paused.test(d)) {
            // a held (or bouncing) destination keeps no connection, not even an idle one
            for (Destination.Idle idle : d.drainIdle()) worker.execute(idle.expire());
            return;
        }
        // an idle connection of the destination takes waiting mail before any new one opens
        Destination.Idle w = d.unpark();
        if (w != null) worker.execute(w.resume());
        while (running.getAsBoolean() && !paused.test(d) && d.wantsConnection()) {
            long downFor = downFor(d);
            if (downFor > 0) {
                // (re-checked at least every second: the clock may be moved by hand in tests)
                later(d, TimeUnit.MILLISECONDS.toNanos(Math.min(downFor, 1000)));
                return;
            }
            long now = nanoTime.getAsLong();
            long messageWait = Math.max(d.site.messageWait(now), d.pair.messageWait(now));
            if (messageWait > MAX_IDLE_WAIT_NANOS) {
                later(d, messageWait);
                return;
            }
            long wait = d.site.tryOpen(now);
            if (wait < 0) { // at the site's connection limit: a closing connection calls back
                endIdleSibling(d);
                return;
            }
            if (wait > 0) {
                later(d, wait);
                return;
            }
            long pairWait = d.pair.tryOpen(now);
            if (pairWait != 0) {
                d.site.closed();
                if (pairWait > 0) later(d, pairWait);
                return;
            }
            if (!slots.tryAcquire()) {
                d.site.closed();
                d.pair.closed();
                starved.add(d);
                return;
            }
            d.connectionOpened();
            connector.connect(d);
        }
    }

    /**
     * {@code d} has mail but its site is at its connection limit: if a destination sharing the site
     * (another egress pool) keeps a connection idle, that one ends, and its close serves {@code d}.
     */
    private void endIdleSibling(Destination d) {
        for (Destination other : siblings.apply(d)) {
            if (other == d) continue;
            Destination.Idle w = other.takeIdle();
            if (w != null) {
                worker.execute(w.expire());
                return;
            }
        }
    }

    /** A connection of {@code d} ended (or never opened): frees its slot and serves who waits for one. */
    void closed(Destination d) {
        free(d);
        maybeConnect(d);
        for (Destination other : siblings.apply(d)) if (other != d) maybeConnect(other);
        Destination waiting;
        while (slots.availablePermits() > 0 && (waiting = starved.poll()) != null) maybeConnect(waiting);
    }

    /**
     * How long the destination is still held down after a connection failure (millis, 0 if not).
     * If the clock went back since, it is held for the normal time from now, not for the size of
     * the jump as well.
     */
    long downFor(Destination d) {
        long downFor = d.downUntil - clock.millis();
        if (downFor > longestHoldMillis()) {
            d.downUntil = clock.millis() + retry.delayAfter(1).toMillis();
            downFor = d.downUntil - clock.millis();
        }
        return Math.max(0, downFor);
    }

    /** Frees the slot of a connection that failed on every host; the destination is held down. */
    void free(Destination d) {
        slots.release();
        d.site.closed();
        d.pair.closed();
        d.releaseConnection();
    }

    /** The longest a site is held down after a connection failure: the first retry delay with full jitter. */
    private long longestHoldMillis() {
        return Math.round(Math.min(retry.initial().toMillis(), retry.max().toMillis()) * (1 + retry.jitter())) + 1;
    }

    /** Tries to open connections for the destination again after {@code nanos} (once, however often asked). */
    private void later(Destination d, long nanos) {
        synchronized (d) {
            if (d.connectScheduled) return;
            d.connectScheduled = true;
        }
        timer.schedule(
                () -> worker.execute(() -> {
                    synchronized (d) {
                        d.connectScheduled = false;
                    }
                    maybeConnect(d);
                }),
                nanos,
                TimeUnit.NANOSECONDS);
    }
}
