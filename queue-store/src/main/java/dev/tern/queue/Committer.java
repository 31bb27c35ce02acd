package dev.tern.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Group commit. Writers enqueue work; one thread takes everything queued, applies each
 * piece in order (each writes its own atomic batch to RocksDB without syncing, so later
 * work sees earlier work's effects), then syncs the WAL once for the whole group and only
 * then completes the futures. Futures complete on a virtual thread, never on the commit
 * thread, so callbacks that block cannot stall commits.
 *
 * <p>Deferrable work ({@link #submitDeferrable}: delivery outcomes, which no client waits for) does
 * not get a sync of its own at once: a group holding only such work waits up to {@link
 * #DEFAULT_LINGER_NANOS} for work that a client waits for (a new message) and shares its sync.
 * With one injecting connection, the delivery of message i and the reception of message i+1 then
 * cost one sync instead of two queued one behind the other (issue 17: the sync rate was what
 * limited a pool of five clients). Durability is unchanged: every future still completes only
 * after the WAL sync that covers its write.
 */
final class Committer implements AutoCloseable {
    /** One piece of work: writes its batch (unsynced) and returns the future's value. */
    interface Work<T> {
        T apply() throws RocksDBException;
    }

    private record Task<T>(Work<T> work, boolean grows, boolean deferrable, CompletableFuture<T> future) {}

    private static final Task<Void> STOP = new Task<>(() -> null, false, false, null);

    /** Longest wait of a group of deferrable work for work that cannot wait (about 2-4 WAL syncs here). */
    static final long DEFAULT_LINGER_NANOS = 2_000_000L;

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final RocksDB db;
    private final boolean sync;
    private final DiskGuard disk;
    private final SpoolObserver observer;
    private final int maxGroup;
    private final long lingerNanos;
    private final Thread thread;
    private volatile boolean stopping;

    Committer(RocksDB db, boolean sync, DiskGuard disk, SpoolObserver observer, int maxGroup) {
        this(db, sync, disk, observer, maxGroup, DEFAULT_LINGER_NANOS);
    }

    /** {@code lingerNanos}: how long deferrable work waits for a sync to share (tests set it). */
    Committer(RocksDB db, boolean sync, DiskGuard disk, SpoolObserver observer, int maxGroup, long lingerNanos) {
        this.lingerNanos = lingerNanos;
        this.db = db;
        this.sync = sync;
        this.disk = disk;
        this.observer = observer;
        this.maxGroup = maxGroup;
        this.thread = Thread.ofPlatform().name("tern-spool-commit").daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * Queues work. {@code grows}: the work adds data, so it is refused with
     * {@link SpoolFullException} when the disk is under the floor.
     */
    <T> CompletableFuture<T> submit(boolean grows, Work<T> work) {
        return enqueue(new Task<>(work, grows, false, new CompletableFuture<>()));
    }

    /**
     * Queues work that does not add data and that nobody waits for at once (a delivery outcome): it
     * is written at once but may wait up to the linger for other work to share the WAL sync; its
     * future completes after that sync, as for {@link #submit}.
     */
    <T> CompletableFuture<T> submitDeferrable(Work<T> work) {
        return enqueue(new Task<>(work, false, true, new CompletableFuture<>()));
    }

    private <T> CompletableFuture<T> enqueue(Task<T> t) {
        if (stopping) {
            t.future().completeExceptionally(new SpoolException("spool is closed"));
            return t.future();
        }
        queue.add(t);
        return t.future();
    }

    private void run() {
        List<Task<?>> group = new ArrayList<>();
        List<Object> results = new ArrayList<>();
        List<Task<?>> done = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(group, maxGroup - 1);
            boolean urgent = false;
            for (Task<?> t : group) {
                if (t == STOP) stop = true;
                else if (!t.deferrable()) urgent = true;
                apply(t, done, results);
            }
            group.clear();
            if (sync && !urgent && !stop && lingerNanos > 0 && !done.isEmpty()) {
                // only deferrable work: wait a little for work a client waits for, and share its sync
                long end = System.nanoTime() + lingerNanos;
                while (done.size() < maxGroup) {
                    long left = end - System.nanoTime();
                    if (left <= 0) break;
                    Task<?> t;
                    try {
                        t = queue.poll(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        break;
                    }
                    if (t == null) break;
                    if (t == STOP) stop = true;
                    apply(t, done, results);
                    if (t == STOP || !t.deferrable()) {
                        queue.drainTo(group, maxGroup - done.size()); // what came with it
                        for (Task<?> more : group) {
                            if (more == STOP) stop = true;
                            apply(more, done, results);
                        }
                        group.clear();
                        break;
                    }
                }
            }
            if (!done.isEmpty()) commit(done, results);
            done.clear();
            results.clear();
        }
        // Anything submitted after STOP was queued (a race with close) is refused.
        List<Task<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Task<?> t : rest) if (t != STOP) fail(t, new SpoolException("spool is closed"));
    }

    /** Writes one task's batch (unsynced); a refusal or failure completes its future at once. */
    private void apply(Task<?> t, List<Task<?>> done, List<Object> results) {
        if (t == STOP) return;
        String refusal = t.grows() ? disk.refusal() : null;
        if (refusal != null) {
            fail(t, new SpoolFullException(refusal));
            return;
        }
        try {
            results.add(t.work().apply());
            done.add(t);
        } catch (RocksDBException e) {
            fail(t, new SpoolException("spool write failed: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            fail(t, e);
        }
    }

    private void commit(List<Task<?>> done, List<Object> results) {
        List<Task<?>> tasks = List.copyOf(done);
        List<Object> values = new ArrayList<>(results);
        long nanos = 0;
        if (sync) {
            long t0 = System.nanoTime();
            try {
                db.syncWal();
            } catch (RocksDBException e) {
                SpoolException ex = new SpoolException("spool WAL sync failed: " + e.getMessage(), e);
                Thread.ofVirtual().start(() -> tasks.forEach(t -> t.future().completeExceptionally(ex)));
                return;
            }
            nanos = System.nanoTime() - t0;
        }
        try {
            observer.committed(tasks.size(), nanos);
        } catch (RuntimeException ignored) {
            // a broken metrics hook must not break durability
        }
        Thread.ofVirtual().start(() -> {
            for (int i = 0; i < tasks.size(); i++) complete(tasks.get(i), values.get(i));
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Task<T> t, Object value) {
        t.future().complete((T) value);
    }

    private static void fail(Task<?> t, Throwable e) {
        Thread.ofVirtual().start(() -> t.future().completeExceptionally(e));
    }

    /** Commits everything already queued, then stops the thread. */
    @Override
    public void close() {
        stopping = true;
        queue.add(STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
