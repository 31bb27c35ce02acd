package dev.tern.core.inject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that message texts being received may use, all sessions together
 * ({@code injection.max_memory}). Each message takes a {@link Lease} and grows it as its
 * in-memory buffer grows; a lease that cannot grow makes the body go to the spool (or, while the
 * header section is still being read, refuses the message with {@code 452 4.3.1}). Thread-safe.
 */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limitBytes) {
        this.limit = limitBytes;
    }

    long limit() {
        return limit;
    }

    /** Bytes reserved by all open leases. */
    long used() {
        return used.get();
    }

    private boolean tryReserve(long n) {
        while (true) {
            long u = used.get();
            if (u + n > limit) return false;
            if (used.compareAndSet(u, u + n)) return true;
        }
    }

    /** A lease of {@code initial} bytes (0 always succeeds), or null when the budget cannot give them now. */
    Lease open(long initial) {
        if (initial > 0 && !tryReserve(initial)) return null;
        return new Lease(initial);
    }

    /** The bytes reserved for one message; {@link #close()} gives them back. Not thread-safe. */
    final class Lease implements AutoCloseable {
        private long held;
        private boolean closed;

        private Lease(long held) {
            this.held = held;
        }

        /** Grows the lease to at least {@code total} bytes; false (unchanged) if the budget has not got them. */
        boolean ensure(long total) {
            if (closed) return false;
            if (total <= held) return true;
            if (!tryReserve(total - held)) return false;
            held = total;
            return true;
        }

        /**
         * Grows the lease to {@code total} bytes even past the limit: only for small, bounded
         * amounts the message cannot do without (a staging buffer after a large header section).
         */
        void force(long total) {
            if (closed || total <= held) return;
            used.addAndGet(total - held);
            held = total;
        }

        long held() {
            return held;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            used.addAndGet(-held);
            held = 0;
        }
    }
}
