package dev.tern.core.delivery;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases due entries from the spool (at most {@code maxInFlight} at once) and ends each lease
 * exactly once: when the entry's new state is durable ({@link #ended}), or when it goes back
 * unattempted ({@link #putBack}, {@link #release}). Only the queue manager's control thread
 * leases, so an entry that is not leased cannot become leased while a command works on it.
 *
 * <p>An operator's command on a leased entry is an {@link Order} on its {@link Lease}, applied by
 * whoever ends the lease (the outcome recorder, or the dispatcher before sending).
 */
final class SpoolFeed {
    private static final Logger log = LoggerFactory.getLogger(SpoolFeed.class);

    /** An operator's order for a leased entry. */
    record Order(Kind kind, String reply) {
        enum Kind {
            /** Make the entry due now when its attempt ends. */
            RETRY_NOW,
            /** Bounce its open recipients with {@code reply}, instead of (or after) sending. */
            BOUNCE
        }
    }

    /** The identity of a queue entry. */
    record EntryKey(String messageId, String domain) {
        static EntryKey of(QueueEntry e) {
            return new EntryKey(e.messageId(), e.domain());
        }
    }

    /** One leased entry: its pending order, and a future done when the lease has ended. */
    static final class Lease {
        private Order order;
        private boolean closing;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** The feed's count of leases with an order. */
        private final AtomicInteger ordered;

        Lease(AtomicInteger ordered) {
            this.ordered = ordered;
        }

        /** Adds an order; false if the lease is already ending (then wait for {@link #done}). A bounce wins. */
        synchronized boolean offer(Order o) {
            if (closing) return false;
            if (order == null) ordered.incrementAndGet(); // before the order is visible
            if (order == null || o.kind() == Order.Kind.BOUNCE) order = o;
            return true;
        }

        synchronized Order order() {
            return order;
        }

        /** Marks the lease as ending; returns the order to apply, or null. */
        synchronized Order close() {
            closing = true;
            return order;
        }
    }

    private final Spool spool;
    private final Clock clock;
    private final int maxInFlight;
    private final Runnable onEnded;
    private final Map<EntryKey, Lease> leases = new ConcurrentHashMap<>();
    /** Leases that have an order: while none has, {@link #order} needs no lookup (orders are rare). */
    private final AtomicInteger ordered = new AtomicInteger();

    /** @param onEnded called after every lease ends (room for another entry) */
    SpoolFeed(Spool spool, Clock clock, int maxInFlight, Runnable onEnded) {
        this.spool = spool;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.onEnded = onEnded;
    }

    /** Leases due entries, as many as there is room for (at most 1,000). Control thread only. */
    List<QueueEntry> lease() {
        int room = maxInFlight - leases.size();
        if (room <= 0) return List.of();
        List<QueueEntry> due = spool.due(clock.millis(), Math.min(room, 1000));
        for (QueueEntry e : due) leases.put(EntryKey.of(e), new Lease(ordered));
        return due;
    }

    /** The lease of an entry, or null if it is not leased. */
    Lease lease(EntryKey k) {
        return leases.get(k);
    }

    /** The pending order of a leased entry, or null. */
    Order order(QueueEntry e) {
        if (ordered.get() == 0) return null;
        Lease l = leases.get(EntryKey.of(e));
        return l == null ? null : l.order();
    }

    /** Marks an entry's lease as ending and returns its order (null if none or not leased). */
    Order closing(QueueEntry e) {
        Lease l = leases.get(EntryKey.of(e));
        return l == null ? null : l.close();
    }

    /** Ends the lease of {@code e} when {@code stored} (the write of its new state) completes. */
    CompletableFuture<Void> ended(QueueEntry e, CompletableFuture<Void> stored) {
        return stored.whenComplete((v, failure) -> {
            if (failure != null) log.error("recording a delivery outcome failed: {}", failure.toString());
            end(e);
        });
    }

    /**
     * Puts a leased entry back into the spool unattempted, due at {@code dueAt} or at its age limit
     * if that comes first (expiry runs from the schedule).
     */
    CompletableFuture<Void> putBack(QueueEntry e, long dueAt) {
        closing(e);
        long at = Math.min(dueAt, e.envelope().expiresAt());
        return ended(e, spool.update(e.rescheduled(at, false)));
    }

    /** Hands a leased entry back unchanged (shutdown). */
    void release(QueueEntry e) {
        closing(e);
        try {
            spool.release(e);
        } finally {
            end(e);
        }
    }

    private void end(QueueEntry e) {
        Lease l = leases.remove(EntryKey.of(e));
        if (l != null) {
            if (l.order() != null) ordered.decrementAndGet();
            l.done.complete(null);
        }
        onEnded.run();
    }

    /** Entries leased and not ended. */
    int inFlight() {
        return leases.size();
    }
}
