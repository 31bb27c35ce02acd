package dev.tern.queue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Group commit. Writers enqueue work; one thread takes everything queued and applies each piece in
 * order into one shared write batch, writes that batch to RocksDB once with {@code sync=true} (one
 * WAL record, and one WAL sync for the whole group inside the same write) and only then completes
 * the futures. A group whose writes all went out earlier (see below) ends with a separate
 * {@code syncWal}. Futures complete on a virtual thread, never on the commit thread, so callbacks
 * that block cannot stall commits.
 *
 * <p>Work that must read what earlier work of the same group wrote first calls {@link Group#flush}
 * (or {@link Group#flushIfTouched} for the keys of one message), which writes the pending batch
 * (unsynced) so reads see it: reads never miss an earlier write, as when every piece wrote its own
 * batch. Each piece's writes stay atomic: a piece that fails is rolled back to a save point of the
 * shared batch, so none of its writes (and none of its {@link Group#afterWrite} actions) happen.
 * The spool's counters ({@link Counters}) are written once per batch written, in that batch.
 *
 * <p>Deferrable work ({@link #submitDeferrable}: delivery outcomes, which no client waits for) does
 * not get a sync of its own at once: a group holding only such work is written, then waits up to
 * {@link #DEFAULT_LINGER_NANOS} for work that a client waits for (a new message) and shares its
 * sync. With one injecting connection, the delivery of message i and the reception of message i+1
 * then cost one sync instead of two queued one behind the other (issue 17: the sync rate was what
 * limited a pool of five clients). Durability is unchanged: every future still completes only
 * after the WAL sync that covers its write. Unsynced work ({@link #submitUnsynced}: the scan's
 * lease writes) is written in order with the group it lands in and never causes a sync itself.
 */
final class Committer implements AutoCloseable {
    /** One piece of work: adds its writes to the group's batch and returns the future's value. */
    interface Work<T> {
        T apply(Group group) throws RocksDBException;
    }

    /** The spool's persistent counters, written in every batch that changes them (commit thread only). */
    interface Counters {
        /** Adds the counters' new values (current + delta) to {@code batch}. */
        void write(WriteBatch batch, long dMessages, long dEntries, long dBytes) throws RocksDBException;

        /** The batch holding the deltas was written: apply them in memory. */
        void applied(long dMessages, long dEntries, long dBytes);

        Counters NONE = new Counters() {
            @Override
            public void write(WriteBatch batch, long dMessages, long dEntries, long dBytes) {}

            @Override
            public void applied(long dMessages, long dEntries, long dBytes) {}
        };
    }

    /** How a piece of work is committed. */
    private enum Kind {
        /** Someone waits for it: its group syncs at once. */
        URGENT,
        /** Synced, but may wait up to the linger to share a sync ({@link #submitDeferrable}). */
        DEFERRABLE,
        /** Needs no sync: written with whatever group it lands in ({@link #submitUnsynced}). */
        UNSYNCED
    }

    private record Task<T>(Work<T> work, boolean grows, Kind kind, CompletableFuture<T> future) {
        boolean deferrable() {
            return kind != Kind.URGENT;
        }
    }

    private static final Task<Void> STOP = new Task<>(g -> null, false, Kind.URGENT, null);

    /** Longest wait of a group of deferrable work for work that cannot wait (about 2-4 WAL syncs here). */
    static final long DEFAULT_LINGER_NANOS = 2_000_000L;

    /** A pending batch this large is written at once (bounds the batch's memory in a large group). */
    static final long MAX_BATCH_BYTES = 4L << 20;

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final RocksDB db;
    private final boolean sync;
    private final DiskGuard disk;
    private final SpoolObserver observer;
    private final Counters counters;
    private final int maxGroup;
    private final long lingerNanos;
    private final Thread thread;
    private final Group group = new Group();
    private volatile boolean stopping;
    /** Groups synced by a separate {@code syncWal} (their last write was empty); read by tests. */
    volatile long syncWalCalls;

    /** {@code lingerNanos}: how long deferrable work waits for a sync to share (tests set it). */
    Committer(
            RocksDB db,
            boolean sync,
            DiskGuard disk,
            SpoolObserver observer,
            Counters counters,
            int maxGroup,
            long lingerNanos) {
        this.lingerNanos = lingerNanos;
        this.db = db;
        this.sync = sync;
        this.disk = disk;
        this.observer = observer;
        this.counters = counters;
        this.maxGroup = maxGroup;
        this.thread = Thread.ofPlatform().name("tern-spool-commit").daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * Queues work. {@code grows}: the work adds data, so it is refused with
     * {@link SpoolFullException} when the disk is under the floor.
     */
    <T> CompletableFuture<T> submit(boolean grows, Work<T> work) {
        return enqueue(new Task<>(work, grows, Kind.URGENT, new CompletableFuture<>()));
    }

    /**
     * Queues work that does not add data and that nobody waits for at once (a delivery outcome): it
     * is written at once but may wait up to the linger for other work to share the WAL sync; its
     * future completes after that sync, as for {@link #submit}.
     */
    <T> CompletableFuture<T> submitDeferrable(Work<T> work) {
        return enqueue(new Task<>(work, false, Kind.DEFERRABLE, new CompletableFuture<>()));
    }

    /**
     * Queues work that does not add data and needs no sync of its own (the scan's lease writes: a
     * lease lost in a crash only makes its entry due again): it is written in order with the group
     * it lands in, which syncs only if other work of the group needs it. Its future completes once
     * written (after that group's sync, if any).
     */
    <T> CompletableFuture<T> submitUnsynced(Work<T> work) {
        return enqueue(new Task<>(work, false, Kind.UNSYNCED, new CompletableFuture<>()));
    }

    private <T> CompletableFuture<T> enqueue(Task<T> t) {
        if (stopping) {
            t.future().completeExceptionally(new SpoolException("spool is closed"));
            return t.future();
        }
        queue.add(t);
        return t.future();
    }

    /**
     * The commit thread's view of the group being applied: the shared pending batch and what must
     * happen once it is written. Used by work on the commit thread only.
     */
    final class Group implements AutoCloseable {
        private final WriteBatch batch = new WriteBatch();
        private final WriteOptions noSync = new WriteOptions().setSync(false);
        private final WriteOptions synced = new WriteOptions().setSync(true);
        /** The next {@link #flush} is the group's last write: it syncs the WAL (covering every earlier write). */
        private boolean syncLast;
        /** The group's last write synced the WAL: no {@code syncWal} is needed. */
        private boolean walSynced;
        /** Tasks applied so far in this group, in order, with their values. */
        final List<Task<?>> done = new ArrayList<>();

        final List<Object> results = new ArrayList<>();
        /** done[0 .. written) are in RocksDB; the rest are in the pending batch. */
        private int written;

        private final List<Runnable> afterWrite = new ArrayList<>();
        private final Set<String> touched = new HashSet<>();
        private long dMessages, dEntries, dBytes;
        private boolean inTask;
        /** What the current work found when it started (or at a flush inside it): restored if it fails. */
        private int taskActions;

        private long taskMessages, taskEntries, taskBytes;

        /** The pending batch: work adds its writes here (never writes to the database itself). */
        WriteBatch batch() {
            return batch;
        }

        /** Declares that the current work writes keys of {@code messageId} into the pending batch. */
        void touch(String messageId) {
            touched.add(messageId);
        }

        /** Writes the pending batch first if it holds writes to keys of {@code messageId}. */
        void flushIfTouched(String messageId) throws RocksDBException {
            if (touched.contains(messageId)) flush();
        }

        /** Adds to the spool's counters (written with this work's writes). */
        void count(long messages, long entries, long bytes) {
            dMessages += messages;
            dEntries += entries;
            dBytes += bytes;
        }

        /** Runs {@code r} on the commit thread right after the batch holding this work's writes is written. */
        void afterWrite(Runnable r) {
            afterWrite.add(r);
        }

        /**
         * Writes the pending batch (unsynced), so that reads see every write applied so far. Call it
         * before the work's own writes. If the write fails, every work in the batch fails.
         */
        void flush() throws RocksDBException {
            boolean countersChanged = dMessages != 0 || dEntries != 0 || dBytes != 0;
            if (batch.count() == 0 && !countersChanged) {
                touched.clear();
                return;
            }
            try {
                if (countersChanged) counters.write(batch, dMessages, dEntries, dBytes);
                db.write(syncLast ? synced : noSync, batch);
                walSynced = syncLast;
            } catch (RocksDBException | RuntimeException e) {
                batch.clear();
                touched.clear();
                afterWrite.clear();
                dMessages = dEntries = dBytes = 0;
                SpoolException ex = new SpoolException("spool write failed: " + e.getMessage(), e);
                for (int i = written; i < done.size(); i++) fail(done.get(i), ex);
                done.subList(written, done.size()).clear();
                results.subList(written, results.size()).clear();
                if (inTask) startTask();
                throw e;
            }
            batch.clear();
            touched.clear();
            counters.applied(dMessages, dEntries, dBytes);
            dMessages = dEntries = dBytes = 0;
            written = done.size();
            for (Runnable r : afterWrite) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    // in-memory bookkeeping only (counters, the scan floor): the write itself is done
                }
            }
            afterWrite.clear();
            if (inTask) startTask();
        }

        /** Marks where the current work's writes, actions and counts begin. */
        private void startTask() {
            batch.setSavePoint();
            taskActions = afterWrite.size();
            taskMessages = dMessages;
            taskEntries = dEntries;
            taskBytes = dBytes;
        }

        /** Applies one task into the pending batch; a refusal or failure completes its future at once. */
        private void apply(Task<?> t) {
            if (t == STOP) return;
            String refusal = t.grows() ? disk.refusal() : null;
            if (refusal != null) {
                fail(t, new SpoolFullException(refusal));
                return;
            }
            startTask();
            inTask = true;
            Object value;
            try {
                value = t.work().apply(this);
            } catch (RocksDBException | RuntimeException x) {
                inTask = false;
                rollBack();
                fail(
                        t,
                        x instanceof RocksDBException
                                ? new SpoolException("spool write failed: " + x.getMessage(), x)
                                : x);
                return;
            }
            inTask = false;
            try {
                batch.popSavePoint();
            } catch (RocksDBException x) {
                throw new IllegalStateException("no save point for the current work", x);
            }
            done.add(t);
            results.add(value);
            if (batch.getDataSize() >= MAX_BATCH_BYTES) {
                try {
                    flush();
                } catch (RocksDBException | RuntimeException x) {
                    // the tasks of the batch failed (flush completed their futures)
                }
            }
        }

        /** Undoes the failed current work: its writes, after-write actions and counts. */
        private void rollBack() {
            try {
                batch.rollbackToSavePoint();
            } catch (RocksDBException x) {
                throw new IllegalStateException("no save point for the current work", x);
            }
            afterWrite.subList(taskActions, afterWrite.size()).clear();
            dMessages = taskMessages;
            dEntries = taskEntries;
            dBytes = taskBytes;
        }

        /** Forgets the group after it was committed (or failed). */
        private void reset() {
            done.clear();
            results.clear();
            written = 0;
            walSynced = false;
        }

        @Override
        public void close() {
            batch.close();
            noSync.close();
            synced.close();
        }
    }

    private void run() {
        List<Task<?>> taken = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(taken, maxGroup - 1);
            boolean urgent = false;
            for (Task<?> t : taken) {
                if (t == STOP) stop = true;
                else if (!t.deferrable()) urgent = true;
                group.apply(t);
            }
            taken.clear();
            if (sync && !urgent && !stop && lingerNanos > 0 && needsSync(group.done)) {
                // only deferrable work: write it now, then wait a little for work a client waits for
                // and share its sync
                writeQuietly();
                long end = System.nanoTime() + lingerNanos;
                while (group.done.size() < maxGroup) {
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
                    group.apply(t);
                    if (t == STOP || !t.deferrable()) {
                        queue.drainTo(taken, maxGroup - group.done.size()); // what came with it
                        for (Task<?> more : taken) {
                            if (more == STOP) stop = true;
                            group.apply(more);
                        }
                        taken.clear();
                        break;
                    }
                }
            }
            // the group's last write syncs the WAL itself (one call into RocksDB instead of a write and
            // a syncWal); its time is the group's sync time
            long t0 = System.nanoTime();
            boolean needsSync = needsSync(group.done);
            group.syncLast = sync && needsSync;
            writeQuietly();
            group.syncLast = false;
            long writeNanos = System.nanoTime() - t0;
            if (!group.done.isEmpty()) {
                if (needsSync) commit(group.done, group.results, group.walSynced ? writeNanos : -1);
                else written(group.done, group.results);
            }
            group.reset();
        }
        group.close();
        // Anything submitted after STOP was queued (a race with close) is refused.
        List<Task<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Task<?> t : rest) if (t != STOP) fail(t, new SpoolException("spool is closed"));
    }

    private void writeQuietly() {
        try {
            group.flush();
        } catch (RocksDBException | RuntimeException e) {
            // the batch's tasks failed (flush completed their futures)
        }
    }

    /** True if any of {@code tasks} must be synced before its future completes. */
    private static boolean needsSync(List<Task<?>> tasks) {
        for (Task<?> t : tasks) if (t.kind() != Kind.UNSYNCED) return true;
        return false;
    }

    /** Completes a group that needed no sync (no WAL sync, not a commit for the observer). */
    private static void written(List<Task<?>> done, List<Object> results) {
        List<Task<?>> tasks = List.copyOf(done);
        List<Object> values = new ArrayList<>(results);
        Thread.ofVirtual().start(() -> {
            for (int i = 0; i < tasks.size(); i++) complete(tasks.get(i), values.get(i));
        });
    }

    /** {@code syncedNanos}: how long the group's last write, which synced the WAL, took; -1 if it did not sync. */
    private void commit(List<Task<?>> done, List<Object> results, long syncedNanos) {
        List<Task<?>> tasks = List.copyOf(done);
        List<Object> values = new ArrayList<>(results);
        long nanos = 0;
        if (syncedNanos >= 0) {
            nanos = syncedNanos;
        } else if (sync) {
            long t0 = System.nanoTime();
            syncWalCalls++;
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
