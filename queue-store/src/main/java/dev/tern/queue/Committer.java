package dev.tern.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Group commit. Writers enqueue work; one thread takes everything queued, applies each
 * piece in order (each writes its own atomic batch to RocksDB without syncing, so later
 * work sees earlier work's effects), then syncs the WAL once for the whole group and only
 * then completes the futures. Futures complete on a virtual thread, never on the commit
 * thread, so callbacks that block cannot stall commits.
 */
final class Committer implements AutoCloseable {
    /** One piece of work: writes its batch (unsynced) and returns the future's value. */
    interface Work<T> {
        T apply() throws RocksDBException;
    }

    private record Task<T>(Work<T> work, boolean grows, CompletableFuture<T> future) {}

    private static final Task<Void> STOP = new Task<>(() -> null, false, null);

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final RocksDB db;
    private final boolean sync;
    private final DiskGuard disk;
    private final SpoolObserver observer;
    private final int maxGroup;
    private final Thread thread;
    private volatile boolean stopping;

    Committer(RocksDB db, boolean sync, DiskGuard disk, SpoolObserver observer, int maxGroup) {
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
        CompletableFuture<T> f = new CompletableFuture<>();
        if (stopping) {
            f.completeExceptionally(new SpoolException("spool is closed"));
            return f;
        }
        queue.add(new Task<>(work, grows, f));
        return f;
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
            for (Task<?> t : group) {
                if (t == STOP) {
                    stop = true;
                    continue;
                }
                String refusal = t.grows() ? disk.refusal() : null;
                if (refusal != null) {
                    fail(t, new SpoolFullException(refusal));
                    continue;
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
            if (!done.isEmpty()) commit(done, results);
            group.clear();
            done.clear();
            results.clear();
        }
        // Anything submitted after STOP was queued (a race with close) is refused.
        List<Task<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Task<?> t : rest) if (t != STOP) fail(t, new SpoolException("spool is closed"));
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
