package dev.tern.core.inject;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The sessions' waits for their spool writes (the 250 after DATA waits until the text is durable),
 * each bounded by a timeout without a timer of its own: a timed wait of a virtual thread arms a
 * timer in the JDK's scheduler and cancels it when the write completes, and each of the two wakes
 * the scheduler's thread, for every message. Here the wait is untimed, and one sweeper thread,
 * running only while waits are open, fails those past their deadline every {@link #TICK_MILLIS}
 * (so a wait ends up to one tick after its deadline). {@code ticker} gives the time in
 * nanoseconds ({@link System#nanoTime} outside tests).
 */
final class SpoolWaits {
    /** How often the sweeper looks for waits past their deadline. */
    static final long TICK_MILLIS = 1000;

    /** A wait that passed its deadline: the write may still complete, but nobody waits for it. */
    private static final class TimedOut extends Exception {
        TimedOut() {
            super("spool write timed out", null, false, false);
        }
    }

    private record Waiting(CompletableFuture<?> done, long deadline) {}

    private final long timeoutNanos;
    private final LongSupplier ticker;
    private final Set<Waiting> open = ConcurrentHashMap.newKeySet();
    private final WhileBusyLoop sweeper;

    SpoolWaits(long timeout, TimeUnit unit, LongSupplier ticker) {
        this.timeoutNanos = unit.toNanos(timeout);
        this.ticker = ticker;
        this.sweeper = new WhileBusyLoop(
                "tern-inject-spool-waits",
                TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS),
                open::isEmpty,
                () -> sweep(ticker.getAsLong()));
    }

    /**
     * Waits until {@code write} completes, as {@code write.get(timeout)} does: its failure as an
     * {@link ExecutionException} with the write's exception as cause, a {@link TimeoutException}
     * once the deadline has passed (the write itself is left alone), or an interruption.
     */
    void await(CompletableFuture<?> write) throws ExecutionException, InterruptedException, TimeoutException {
        if (write.isDone()) {
            write.get();
            return;
        }
        CompletableFuture<?> done = write.copy(); // failing it at the deadline leaves the write alone
        Waiting w = new Waiting(done, ticker.getAsLong() + timeoutNanos);
        open.add(w);
        sweeper.ensureRunning();
        try {
            done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimedOut) throw new TimeoutException("spool write timed out");
            throw e;
        } finally {
            open.remove(w);
        }
    }

    /** Fails the waits whose deadline is {@code now} or earlier. */
    void sweep(long now) {
        for (Waiting w : open) {
            if (now - w.deadline() >= 0) w.done().completeExceptionally(new TimedOut());
        }
    }

    /** Waits open now. */
    int open() {
        return open.size();
    }
}
