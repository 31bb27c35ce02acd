package dev.tern.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The durable spool on RocksDB: the source of truth for every accepted message.
 *
 * <p>A message body is stored once; each destination domain of the message has a
 * {@link QueueEntry}. A time-ordered schedule index on disk answers {@link #due}; the heap
 * only holds entries that are in flight. Writes are group-committed: concurrent writers
 * share one WAL sync, and a returned future completes only when the write is durable.
 *
 * <p>Durability: a future returned by {@link #store}, {@link #update}, {@link #complete} or
 * {@link #suppress} (and {@link #putHold}) completes after the write is in the RocksDB WAL and the WAL is synced
 * (fsync), when {@link SpoolSettings#syncWrites()} is true. Futures complete on a virtual
 * thread, never on the commit thread. Leasing by {@link #due} is written by the commit thread
 * with its next group, without a sync of its own: a lease lost in a crash only means the entry is due again, which it is anyway.
 * {@link #update} and {@link #complete} (delivery outcomes) may wait a moment (a couple of
 * milliseconds) to share the sync of a new message instead of taking one of their own.
 *
 * <p>Disk floor: {@link #store} and {@link #suppress} fail with {@link SpoolFullException}
 * while free space is under {@link SpoolSettings#minFreeDiskBytes()}. {@link #update},
 * {@link #complete}, {@link #release} and {@link #unsuppress} still work: they replace or
 * delete data, so the spool can drain under the floor.
 *
 * <p>Large bodies: {@link #newBodyFile()} gives a staging file that a session fills as the
 * body arrives; {@link #store(Envelope, byte[], BodyFile, List)} fsyncs it, hard-links it as
 * {@code blobs/<hex id>.body} (directory fsynced) and then commits the message with a reference
 * to it in the same batch as its envelope, so an acknowledged message always has its file. A
 * file whose message is not (or no longer) committed is an orphan: staging files and unreferenced
 * links are deleted on open ({@link #orphansRemoved()}); {@link #complete} deletes the file once
 * the removal of its message is durable.
 *
 * <p>Thread-safe.
 */
public final class Spool implements AutoCloseable {
    private static final byte[] STAT_MESSAGES = "stat.messages".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STAT_ENTRIES = "stat.entries".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STAT_BODY_BYTES = "stat.bodyBytes".getBytes(StandardCharsets.UTF_8);

    private final SpoolDb sdb;
    private final Committer committer;
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private final ScheduleFloor floor = new ScheduleFloor();
    private final Object scanLock = new Object();
    // used by scans only, under scanLock: no native objects made per scan
    private final ReadOptions scanOptions = new ReadOptions();
    /**
     * Lease writes of earlier scans queued in the committer and not yet written (under scanLock):
     * their schedule keys may still be in the index, and a scan skips them instead of leasing an
     * entry twice.
     */
    private final java.util.ArrayDeque<PendingLeases> pendingLeases = new java.util.ArrayDeque<>();
    // Written by the commit thread only (inside each write's own batch), read by anyone.
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong entryCount = new AtomicLong();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final long recovered;
    private final FeedbackStore feedbackStore;
    private final Path blobDir;
    private final Path stagingDir;
    private final long orphansRemoved;
    /**
     * What completing or updating each leased entry needs to know, so that it needs no read: added
     * by {@link #due} (from the envelope it reads anyway), removed when the lease ends. Bounded by
     * the entries in flight; an entry missing here (leased from a version 1 envelope, or not leased)
     * takes the path that reads the spool.
     */
    private final java.util.concurrent.ConcurrentHashMap<EntryKey, Lease> leaseInfo =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record EntryKey(String messageId, String domain) {}

    /** The schedule keys one scan leased, until the committer has written their deletion. */
    private static final class PendingLeases {
        final Set<java.nio.ByteBuffer> scheduleKeys = new HashSet<>();
        volatile boolean written;
    }

    /** A leased entry's message: its stored body bytes, its entry count when stored, whether it has a tail file. */
    private record Lease(long storedBodyBytes, int entries, boolean tail) {}

    /** Bodies just stored, for delivery's first open without a read (a shortcut: RocksDB stays the truth). */
    private final BodyCache bodyCache;

    /** Which stored ids need the duplicate check's read (commit thread only). */
    private final NewIds newIds;
    /** Duplicate checks that read the spool (commit thread writes; tests read). */
    volatile long duplicateCheckReads;

    /**
     * Tenants ("" for the global list) that may have suppression entries: those found on open and
     * every tenant a suppression was queued for since (never removed). A lookup for any other tenant
     * needs no read. Bounded by the tenants with entries.
     */
    private final Set<String> suppressedTenants = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Suppression lookups that read the spool (tests). */
    final AtomicLong suppressionReads = new AtomicLong();

    private volatile boolean closed;

    private Spool(SpoolSettings settings, SpoolDb sdb, long lingerNanos) throws RocksDBException {
        this.sdb = sdb;
        this.bodyCache = new BodyCache(settings.bodyCacheBytes());
        messages.set(readStat(STAT_MESSAGES));
        entryCount.set(readStat(STAT_ENTRIES));
        bodyBytes.set(readStat(STAT_BODY_BYTES));
        this.recovered = recoverLeases();
        this.newIds = new NewIds(highestMessageKey(), NewIds.DEFAULT_CAP);
        findSuppressedTenants();
        this.feedbackStore = new FeedbackStore(this);
        this.blobDir = settings.directory().resolve("blobs");
        this.stagingDir = blobDir.resolve("staging");
        this.orphansRemoved = sweepBlobs();
        DiskGuard disk = new DiskGuard(settings.directory(), settings.minFreeDiskBytes());
        this.committer = new Committer(
                sdb.db,
                settings.syncWrites(),
                disk,
                settings.observer(),
                new Committer.Counters() {
                    @Override
                    public void write(WriteBatch b, long dMessages, long dEntries, long dBytes)
                            throws RocksDBException {
                        putStats(b, dMessages, dEntries, dBytes);
                    }

                    @Override
                    public void applied(long dMessages, long dEntries, long dBytes) {
                        applyStats(dMessages, dEntries, dBytes);
                    }
                },
                settings.tuning().maxGroupCommit(),
                lingerNanos);
    }

    /**
     * Opens (or creates) the spool. Entries that were leased (in flight) when the previous
     * process stopped become due at once; {@link #recoveredCount()} tells how many.
     *
     * @throws SpoolException with a clear message if the directory is not a Tern spool, is
     *     corrupt, or cannot be opened
     */
    public static Spool open(SpoolSettings settings) {
        return open(settings, Committer.DEFAULT_LINGER_NANOS);
    }

    /** {@link #open(SpoolSettings)} with another linger of deferrable writes (tests: whole groups on demand). */
    static Spool open(SpoolSettings settings, long lingerNanos) {
        if (settings == null || settings.directory() == null)
            throw new IllegalArgumentException("spool directory missing");
        SpoolDb sdb = SpoolDb.open(settings.directory(), settings.tuning());
        try {
            return new Spool(settings, sdb, lingerNanos);
        } catch (RocksDBException e) {
            sdb.close();
            throw new SpoolException("cannot recover spool " + settings.directory() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            sdb.close();
            throw e;
        }
    }

    /**
     * Deletes staging files and tail files no committed message refers to (left by a crash
     * between writing a file and committing, or between committing a removal and deleting the
     * file); returns how many.
     */
    private long sweepBlobs() throws RocksDBException {
        long removed = 0;
        try {
            Files.createDirectories(stagingDir);
            try (DirectoryStream<Path> staged = Files.newDirectoryStream(stagingDir)) {
                for (Path p : staged) {
                    Files.deleteIfExists(p);
                    removed++;
                }
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(blobDir, "*.body")) {
                for (Path p : files) {
                    String id = idOf(p.getFileName().toString());
                    if (id == null || sdb.db.get(sdb.bodies, Keys.tail(id)) == null) {
                        Files.deleteIfExists(p);
                        removed++;
                    }
                }
            }
            if (removed > 0) syncDirectory(blobDir);
        } catch (IOException e) {
            throw new SpoolException("cannot clean body files in " + blobDir + ": " + e, e);
        }
        return removed;
    }

    /** Flushes every memtable and waits (tests: makes RocksDB switch, and later recycle, WAL files). */
    void flushMemtables() {
        read(() -> {
            sdb.flush();
            return null;
        });
    }

    /** Body files deleted on open because no committed message referred to them. */
    public long orphansRemoved() {
        return orphansRemoved;
    }

    private Path tailPath(String messageId) {
        return blobDir.resolve(java.util.HexFormat.of().formatHex(Keys.message(messageId)) + ".body");
    }

    private static String idOf(String fileName) {
        String hex = fileName.substring(0, fileName.length() - ".body".length());
        try {
            return new String(java.util.HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * A new staging file for the tail of a large body, to be filled as the body arrives and
     * passed to {@link #store(Envelope, byte[], BodyFile, List)}; close it in every case.
     */
    public BodyFile newBodyFile() {
        if (closed) throw new SpoolException("spool is closed");
        try {
            return new BodyFile(stagingDir.resolve(UUID.randomUUID() + ".part"));
        } catch (IOException e) {
            throw new SpoolException("cannot create a body file in " + stagingDir + ": " + e, e);
        }
    }

    /** Adds every tenant with a suppression entry to {@link #suppressedTenants} (one seek per tenant). */
    private void findSuppressedTenants() throws RocksDBException {
        try (RocksIterator it = sdb.db.newIterator(sdb.suppression)) {
            for (it.seekToFirst(); it.isValid(); ) {
                byte[] k = it.key();
                int sep = indexOf(k, Keys.SEP);
                if (sep < 0) {
                    it.next();
                    continue;
                }
                byte[] after = java.util.Arrays.copyOf(k, sep + 1);
                after[sep] = 1; // the first key past this tenant's prefix (tenant 0x00 ...)
                suppressedTenants.add(new String(k, 0, sep, StandardCharsets.UTF_8));
                it.seek(after);
            }
            it.status();
        }
    }

    /** The greatest message key with an envelope, or null if none. */
    private byte[] highestMessageKey() throws RocksDBException {
        try (RocksIterator it = sdb.db.newIterator(sdb.envelopes)) {
            it.seekToLast();
            byte[] k = it.isValid() ? it.key() : null;
            it.status();
            return k;
        }
    }

    /** Puts entries leased at the last stop back into the schedule; returns how many. */
    private long recoverLeases() throws RocksDBException {
        long count = 0;
        try (RocksIterator it = sdb.db.newIterator(sdb.leases)) {
            WriteBatch batch = new WriteBatch();
            try {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    // A lease holds a copy of its entry's value and is deleted in the same batch as the
                    // entry, so no entry read is needed.
                    byte[] ek = it.key();
                    byte[] value = it.value();
                    batch.delete(sdb.leases, ek);
                    batch.put(
                            sdb.schedule,
                            Keys.schedule(RecordCodec.decodeEntry(value).nextAttemptAt(), ek),
                            value);
                    count++;
                    if (batch.count() >= 20_000) {
                        sdb.db.write(noSync, batch);
                        batch.close();
                        batch = new WriteBatch();
                    }
                }
                it.status();
                sdb.db.write(noSync, batch);
            } finally {
                batch.close();
            }
            if (count > 0) sdb.db.syncWal();
        }
        return count;
    }

    /**
     * Stores a new message: its body and one entry per destination domain, in one atomic
     * write batch. The future completes when durable, or exceptionally with
     * {@link SpoolFullException} (disk floor) or {@link SpoolException} (for example a message
     * id that is already spooled).
     *
     * <p>The spool takes {@code body} over: it may keep the array in memory and hand it to
     * delivery ({@link #openBody(QueueEntry)}) instead of reading the stored copy, so the caller
     * must not modify it after this call (pass a copy of an array that will be reused).
     *
     * @throws IllegalArgumentException if there are no entries, an entry belongs to another
     *     message, or a domain appears twice
     */
    public CompletableFuture<Void> store(Envelope envelope, byte[] body, List<QueueEntry> entries) {
        return store(envelope, body, null, entries);
    }

    /**
     * As {@link #store(Envelope, byte[], List)} for a body made of {@code head} followed by the
     * content of {@code tail} (null: none). The tail is fsynced and linked under the message
     * before the commit (on the caller's thread); one tail may be stored with several messages
     * (each gets its own link). If the commit fails the link is removed.
     */
    public CompletableFuture<Void> store(Envelope envelope, byte[] head, BodyFile tail, List<QueueEntry> entries) {
        byte[] body = head;
        if (entries == null || entries.isEmpty())
            throw new IllegalArgumentException("a message needs at least one entry");
        if (body == null) throw new IllegalArgumentException("body is null");
        byte[] mk = Keys.message(envelope.messageId());
        Set<String> domains = new HashSet<>();
        for (QueueEntry e : entries) {
            if (!e.messageId().equals(envelope.messageId())) {
                throw new IllegalArgumentException(
                        "entry of message " + e.messageId() + " stored with " + envelope.messageId());
            }
            if (!domains.add(e.domain())) throw new IllegalArgumentException("domain " + e.domain() + " appears twice");
        }
        long stored = body.length + (tail == null ? 0 : tail.size());
        byte[] env = RecordCodec.encodeEnvelope(envelope, stored, entries.size(), tail != null);
        Path link = tail == null ? null : tailPath(envelope.messageId());
        byte[] tailRef = tail == null ? null : RecordCodec.encodeTail(tail.size(), tail.eightBit());
        if (link != null) {
            try {
                tail.sync();
                Files.createLink(link, tail.path());
                syncDirectory(blobDir);
            } catch (FileAlreadyExistsException e) {
                return CompletableFuture.failedFuture(
                        new SpoolException("message " + envelope.messageId() + " is already spooled"));
            } catch (IOException e) {
                deleteQuietly(link);
                return CompletableFuture.failedFuture(
                        new SpoolException("cannot store the body file of " + envelope.messageId() + ": " + e, e));
            }
        }
        // keys and values are made on the caller's thread; the commit thread only adds them to its batch
        byte[][] eks = new byte[entries.size()][];
        byte[][] sks = new byte[entries.size()][];
        byte[][] values = new byte[entries.size()][];
        byte[] minKey = null;
        for (int i = 0; i < entries.size(); i++) {
            QueueEntry e = entries.get(i);
            eks[i] = Keys.entry(e.messageId(), e.domain());
            sks[i] = Keys.schedule(e.nextAttemptAt(), eks[i]);
            values[i] = RecordCodec.encodeEntry(e);
            if (minKey == null || java.util.Arrays.compareUnsigned(sks[i], minKey) < 0) minKey = sks[i];
        }
        byte[] firstKey = minKey;
        byte[] tk = tailRef == null ? null : Keys.tail(envelope.messageId());
        String id = envelope.messageId();
        CompletableFuture<Void> f = committer.submit(true, g -> {
            g.flushIfTouched(id);
            // an id above every id spooled at open and not stored since needs no read (ids grow with time)
            if (newIds.mayBeSpooled(mk)) {
                duplicateCheckReads++;
                if (sdb.db.get(sdb.envelopes, mk) != null)
                    throw new SpoolException("message " + id + " is already spooled");
            }
            WriteBatch b = g.batch();
            b.put(sdb.bodies, mk, body);
            if (tk != null) b.put(sdb.bodies, tk, tailRef);
            b.put(sdb.envelopes, mk, env);
            for (int i = 0; i < eks.length; i++) {
                b.put(sdb.entries, eks[i], values[i]);
                b.put(sdb.schedule, sks[i], values[i]);
            }
            g.touch(id);
            g.count(1, eks.length, stored);
            g.afterWrite(() -> {
                newIds.stored(mk);
                // kept before the schedule floor moves, so a scan that leases it finds it kept
                if (tk == null) bodyCache.put(envelope, body, eks.length);
                floor.inserted(firstKey);
            });
            return null;
        });
        if (link == null) return f;
        return f.whenComplete((v, e) -> {
            if (e != null) deleteQuietly(link);
        });
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // an unreferenced file is removed by the sweep on the next open
        }
    }

    /**
     * Leases up to {@code limit} entries whose next attempt time is at or before {@code nowMillis},
     * in time order. A leased entry is not returned again until it is {@link #update updated},
     * {@link #complete completed} or {@link #release released} (or the process restarts).
     *
     * <p>Leasing moves the entry's key from the schedule index to the lease set on disk, so
     * scanning never skips over in-flight entries and the heap holds nothing per entry.
     */
    public List<QueueEntry> due(long nowMillis, int limit) {
        if (limit <= 0 || nowMillis < 0) return List.of();
        // nothing due (the floor is past now): no lock, no key, no iterator
        if (!closed && floor.nothingDueAt(nowMillis)) return List.of();
        return read(() -> {
            synchronized (scanLock) {
                return scan(nowMillis, limit);
            }
        });
    }

    private List<QueueEntry> scan(long now, int limit) throws RocksDBException {
        List<QueueEntry> out = new ArrayList<>(Math.min(limit, 1024));
        List<Lease> leaseOf = new ArrayList<>(Math.min(limit, 1024));
        List<EntryKey> leased = new ArrayList<>(Math.min(limit, 1024));
        byte[] upper = now == Long.MAX_VALUE ? null : Keys.scheduleStart(now + 1);
        // no schedule key is below the floor: a floor at or past now means nothing is due, and no
        // iterator is needed (most scans: the queue manager looks after every reception and outcome)
        if (upper != null && floor.atOrAfter(upper)) return List.of();
        byte[] start = floor.scanStarting();
        byte[] visitedUpTo = start;
        // lease writes written before the iterator is made are seen by it: they need no skipping
        while (!pendingLeases.isEmpty() && pendingLeases.peekFirst().written) pendingLeases.pollFirst();
        PendingLeases mine = new PendingLeases();
        List<byte[]> leaseKeys = new ArrayList<>(Math.min(limit, 1024));
        List<byte[]> leaseEntryKeys = new ArrayList<>(Math.min(limit, 1024));
        List<byte[]> leaseValues = new ArrayList<>(Math.min(limit, 1024));
        Set<String> leasedIds = new HashSet<>();
        try {
            boolean pastNow = false;
            String lastMessage = null;
            Envelope lastEnvelope = null;
            Lease lastLease = null;
            try (RocksIterator it = sdb.db.newIterator(sdb.schedule, scanOptions)) {
                for (it.seek(start); it.isValid() && out.size() < limit; it.next()) {
                    // The schedule value is a copy of the entry value, written in the same batches as
                    // the entry itself, so the scan needs no random read per entry.
                    byte[] sk = it.key();
                    if (upper != null && java.util.Arrays.compareUnsigned(sk, upper) >= 0) {
                        pastNow = true; // the first key not due yet (checked here: no native bound per scan)
                        break;
                    }
                    visitedUpTo = Keys.successor(sk);
                    if (leasedByEarlierScan(sk)) continue; // its lease is queued: not due, in flight
                    mine.scheduleKeys.add(java.nio.ByteBuffer.wrap(sk));
                    byte[] ek = Keys.scheduleEntryKey(sk);
                    leaseKeys.add(sk);
                    leaseEntryKeys.add(ek);
                    leaseValues.add(null); // no lease (an entry without envelope): only unscheduled
                    byte[] value = it.value();
                    RecordCodec.EntryState st = RecordCodec.decodeEntry(value);
                    int sep = indexOf(ek, Keys.SEP);
                    String messageId = new String(ek, 0, sep, StandardCharsets.UTF_8);
                    if (!messageId.equals(lastMessage)) {
                        lastMessage = messageId;
                        // a message stored moments ago is still kept: its envelope needs no read
                        BodyCache.Kept kept = bodyCache.get(messageId);
                        if (kept != null) {
                            lastEnvelope = kept.envelope();
                            lastLease = new Lease(kept.body().length, kept.entries(), false);
                        } else {
                            byte[] env = sdb.db.get(sdb.envelopes, Keys.message(messageId));
                            RecordCodec.StoredEnvelope se = env == null ? null : RecordCodec.decodeEnvelope(env);
                            lastEnvelope = se == null ? null : se.envelope();
                            lastLease = se == null || se.entries() <= 0
                                    ? null
                                    : new Lease(se.storedBodyBytes(), se.entries(), se.tail());
                        }
                    }
                    if (lastEnvelope == null) continue; // entry without envelope: unusable, leave it unscheduled
                    String domain = new String(ek, sep + 1, ek.length - sep - 1, StandardCharsets.UTF_8);
                    leaseValues.set(leaseValues.size() - 1, value);
                    leasedIds.add(messageId);
                    out.add(st.toEntry(lastEnvelope, domain));
                    leased.add(new EntryKey(messageId, domain));
                    leaseOf.add(lastLease);
                }
                it.status();
                if (pastNow || !it.isValid()) visitedUpTo = upper == null ? visitedUpTo : upper;
            }
            if (!leaseKeys.isEmpty()) queueLeases(mine, leaseKeys, leaseEntryKeys, leaseValues, leasedIds);
            // known before anyone gets the entries (their update or completion is queued after the lease)
            for (int i = 0; i < out.size(); i++) {
                Lease l = leaseOf.get(i);
                if (l != null) leaseInfo.put(leased.get(i), l);
            }
        } finally {
            floor.scanEnded(visitedUpTo);
        }
        inFlight.addAndGet(out.size());
        return out;
    }

    /** True if a lease of an earlier scan, not yet written, took this schedule key (under scanLock). */
    private boolean leasedByEarlierScan(byte[] sk) {
        if (pendingLeases.isEmpty()) return false;
        java.nio.ByteBuffer k = java.nio.ByteBuffer.wrap(sk);
        for (PendingLeases p : pendingLeases) if (p.scheduleKeys.contains(k)) return true;
        return false;
    }

    /**
     * Queues a scan's lease writes (each schedule key deleted, its entry's lease put; a null value:
     * deleted only) in the committer's next group instead of a write of their own (issue 17). They
     * need no sync: a lease lost in a crash only makes its entry due again. Work on the leased entries
     * is queued after them, so it finds the leases written; until they are, later scans skip the keys.
     */
    private void queueLeases(
            PendingLeases mine,
            List<byte[]> scheduleKeys,
            List<byte[]> entryKeys,
            List<byte[]> values,
            Set<String> messageIds) {
        pendingLeases.addLast(mine);
        committer
                .submitUnsynced(g -> {
                    WriteBatch b = g.batch();
                    for (int i = 0; i < scheduleKeys.size(); i++) {
                        b.delete(sdb.schedule, scheduleKeys.get(i));
                        if (values.get(i) != null) b.put(sdb.leases, entryKeys.get(i), values.get(i));
                    }
                    for (String id : messageIds) g.touch(id);
                    g.afterWrite(() -> mine.written = true);
                    return null;
                })
                .whenComplete((v, e) -> mine.written = true);
    }

    /**
     * Atomically records new recipient states and the next attempt time of a (leased) entry,
     * and ends its lease: it is due again at {@code entry.nextAttemptAt()}. Fails with
     * {@link SpoolException} if the entry is no longer spooled. Allowed under the disk floor.
     */
    public CompletableFuture<Void> update(QueueEntry entry) {
        byte[] ek = Keys.entry(entry.messageId(), entry.domain());
        byte[] value = RecordCodec.encodeEntry(entry);
        byte[] sk = Keys.schedule(entry.nextAttemptAt(), ek);
        String id = entry.messageId();
        EntryKey key = new EntryKey(id, entry.domain());
        return committer.submitDeferrable(g -> {
            bodyCache.remove(id); // deferred: the next attempt, maybe much later, reads the spool
            // a lease known in memory: the entry exists (a lease ends only with its entry's update,
            // completion or release, all on this thread), so nothing needs to be read
            boolean leased = leaseInfo.remove(key) != null;
            byte[] oldSchedule = null;
            if (!leased) {
                g.flushIfTouched(id);
                byte[] old = sdb.db.get(sdb.entries, ek);
                if (old == null) {
                    throw new SpoolException("entry " + id + "/" + entry.domain() + " is not spooled");
                }
                leased = sdb.db.get(sdb.leases, ek) != null;
                if (!leased)
                    oldSchedule = Keys.schedule(RecordCodec.decodeEntry(old).nextAttemptAt(), ek);
            }
            WriteBatch b = g.batch();
            if (leased) b.delete(sdb.leases, ek);
            else b.delete(sdb.schedule, oldSchedule);
            b.put(sdb.entries, ek, value);
            b.put(sdb.schedule, sk, value);
            g.touch(id);
            boolean wasLeased = leased;
            g.afterWrite(() -> {
                if (wasLeased) inFlight.decrementAndGet();
                floor.inserted(sk);
            });
            return null;
        });
    }

    /**
     * Atomically deletes a finished entry, and the message body and envelope when no other
     * entry of the message remains. Completing an entry that is already gone does nothing.
     */
    public CompletableFuture<Void> complete(QueueEntry entry) {
        String id = entry.messageId();
        byte[] ek = Keys.entry(id, entry.domain());
        byte[] mk = Keys.message(id);
        byte[] prefix = Keys.entryPrefix(id);
        byte[] tk = Keys.tail(id);
        EntryKey key = new EntryKey(id, entry.domain());
        boolean[] tailDeleted = {false};
        CompletableFuture<Void> f = committer.submitDeferrable(g -> {
            Lease lease = leaseInfo.remove(key);
            WriteBatch b = g.batch();
            long dMessages = 0, dBytes = 0;
            boolean leased;
            if (lease != null) {
                // leased (so the entry exists), stored with a version 2 envelope: a message stored with
                // one entry loses its last one here, and the lease knows its size and tail
                leased = true;
                boolean last = lease.entries() == 1;
                if (!last) {
                    g.flushIfTouched(id);
                    last = !hasOtherEntry(prefix, ek);
                }
                b.delete(sdb.leases, ek);
                b.delete(sdb.entries, ek);
                if (last) {
                    bodyCache.remove(id);
                    dMessages = -1;
                    dBytes = -lease.storedBodyBytes();
                    b.delete(sdb.bodies, mk);
                    b.delete(sdb.envelopes, mk);
                    if (lease.tail()) {
                        b.delete(sdb.bodies, tk);
                        tailDeleted[0] = true;
                    }
                }
            } else {
                g.flushIfTouched(id);
                byte[] old = sdb.db.get(sdb.entries, ek);
                leased = sdb.db.get(sdb.leases, ek) != null;
                if (old == null && !leased) return null;
                if (leased) b.delete(sdb.leases, ek);
                if (old != null) {
                    if (!leased)
                        b.delete(
                                sdb.schedule,
                                Keys.schedule(RecordCodec.decodeEntry(old).nextAttemptAt(), ek));
                    b.delete(sdb.entries, ek);
                    if (!hasOtherEntry(prefix, ek)) {
                        bodyCache.remove(id);
                        byte[] env = sdb.db.get(sdb.envelopes, mk);
                        if (env != null) {
                            dMessages = -1;
                            dBytes = -RecordCodec.decodeEnvelope(env).storedBodyBytes();
                        }
                        b.delete(sdb.bodies, mk);
                        b.delete(sdb.envelopes, mk);
                        if (sdb.db.get(sdb.bodies, tk) != null) {
                            b.delete(sdb.bodies, tk);
                            tailDeleted[0] = true;
                        }
                    }
                }
                g.count(0, old != null ? -1 : 0, 0);
            }
            if (lease != null) g.count(0, -1, 0);
            g.count(dMessages, 0, dBytes);
            g.touch(id);
            if (leased) g.afterWrite(inFlight::decrementAndGet);
            return null;
        });
        // the file goes only once the removal is durable: a crash before leaves an orphan, never a
        // committed message without its file
        return f.thenApply(v -> {
            if (tailDeleted[0]) deleteQuietly(tailPath(id));
            return v;
        });
    }

    private boolean hasOtherEntry(byte[] prefix, byte[] self) {
        try (RocksIterator it = sdb.db.newIterator(sdb.entries)) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                if (!java.util.Arrays.equals(it.key(), self)) return true;
            }
            return false;
        }
    }

    /** Ends the lease of an entry without changing it (for example on shutdown). */
    public void release(QueueEntry entry) {
        byte[] ek = Keys.entry(entry.messageId(), entry.domain());
        String id = entry.messageId();
        EntryKey key = new EntryKey(id, entry.domain());
        join(committer.submit(false, g -> {
            leaseInfo.remove(key);
            bodyCache.remove(id);
            g.flushIfTouched(id);
            byte[] lease = sdb.db.get(sdb.leases, ek);
            if (lease == null) return null;
            byte[] old = sdb.db.get(sdb.entries, ek);
            byte[] sk = old == null
                    ? null
                    : Keys.schedule(RecordCodec.decodeEntry(old).nextAttemptAt(), ek);
            WriteBatch b = g.batch();
            b.delete(sdb.leases, ek);
            if (sk != null) b.put(sdb.schedule, sk, old);
            g.touch(id);
            g.afterWrite(() -> {
                inFlight.decrementAndGet();
                if (sk != null) floor.inserted(sk);
            });
            return null;
        }));
    }

    /**
     * The whole stored body of a message in memory, if it is still spooled. For a large body
     * prefer {@link #openBody}, which does not load the tail file.
     */
    public Optional<byte[]> body(String messageId) {
        Optional<StoredBody> b = openBody(messageId);
        if (b.isEmpty()) return Optional.empty();
        try {
            return Optional.of(b.get().readAll());
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // removed meanwhile
        } catch (IOException e) {
            throw new SpoolException("cannot read the body of " + messageId + ": " + e, e);
        }
    }

    /** The stored body of a message (head in memory, tail file by reference), if it is still spooled. */
    public Optional<StoredBody> openBody(String messageId) {
        byte[] mk = Keys.message(messageId);
        byte[] tk = Keys.tail(messageId);
        return read(() -> {
            // the reference first: head and reference are written and deleted together, so a head
            // found after a missing reference is a body without a tail, never one losing its tail
            byte[] ref = sdb.db.get(sdb.bodies, tk);
            byte[] head = sdb.db.get(sdb.bodies, mk);
            if (head == null) return Optional.<StoredBody>empty();
            if (ref == null) return Optional.of(new StoredBody(head, null, 0, false));
            RecordCodec.Tail t = RecordCodec.decodeTail(ref);
            return Optional.of(new StoredBody(head, tailPath(messageId), t.size(), t.eightBit()));
        });
    }

    /**
     * The stored body of a queue entry's message, as {@link #openBody(String)}; for an entry leased by
     * {@link #due} whose message has no tail file it reads the head only (one read, not two), and
     * none at all while the body stored moments before is still kept in memory (up to
     * {@link SpoolSettings#bodyCacheBytes()}; the first open of a one-entry message takes it out,
     * as do a deferral ({@link #update}), a release and the message's completion). The returned
     * head may be the array given to {@link #store}: read it, never modify it.
     */
    public Optional<StoredBody> openBody(QueueEntry entry) {
        Lease lease = leaseInfo.get(new EntryKey(entry.messageId(), entry.domain()));
        if (lease == null || lease.tail()) return openBody(entry.messageId());
        BodyCache.Kept kept =
                lease.entries() == 1 ? bodyCache.take(entry.messageId()) : bodyCache.get(entry.messageId());
        if (kept != null) {
            if (closed) throw new SpoolException("spool is closed");
            return Optional.of(new StoredBody(kept.body(), null, 0, false));
        }
        byte[] mk = Keys.message(entry.messageId());
        return read(() -> {
            byte[] head = sdb.db.get(sdb.bodies, mk);
            return head == null ? Optional.<StoredBody>empty() : Optional.of(new StoredBody(head, null, 0, false));
        });
    }

    /** The envelope of a message, if it is still spooled. */
    public Optional<Envelope> envelope(String messageId) {
        byte[] mk = Keys.message(messageId);
        return read(() -> {
            byte[] v = sdb.db.get(sdb.envelopes, mk);
            return v == null
                    ? Optional.<Envelope>empty()
                    : Optional.of(RecordCodec.decodeEnvelope(v).envelope());
        });
    }

    /** The current entries of a message (one per destination domain). */
    public List<QueueEntry> entries(String messageId) {
        byte[] prefix = Keys.entryPrefix(messageId);
        byte[] mk = Keys.message(messageId);
        return read(() -> {
            byte[] env = sdb.db.get(sdb.envelopes, mk);
            if (env == null) return List.<QueueEntry>of();
            Envelope envelope = RecordCodec.decodeEnvelope(env).envelope();
            List<QueueEntry> out = new ArrayList<>();
            try (RocksIterator it = sdb.db.newIterator(sdb.entries)) {
                for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                    byte[] k = it.key();
                    String domain = new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8);
                    out.add(RecordCodec.decodeEntry(it.value()).toEntry(envelope, domain));
                }
                it.status();
            }
            return out;
        });
    }

    /** Visits every stored entry (for queue summaries); weakly consistent. */
    public void forEachEntry(Consumer<QueueEntry> visitor) {
        read(() -> {
            String lastMessage = null;
            Envelope lastEnvelope = null;
            try (RocksIterator it = sdb.db.newIterator(sdb.entries)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    int sep = indexOf(k, Keys.SEP);
                    String messageId = new String(k, 0, sep, StandardCharsets.UTF_8);
                    if (!messageId.equals(lastMessage)) {
                        byte[] env = sdb.db.get(sdb.envelopes, Keys.message(messageId));
                        lastMessage = messageId;
                        lastEnvelope = env == null
                                ? null
                                : RecordCodec.decodeEnvelope(env).envelope();
                    }
                    if (lastEnvelope == null) continue;
                    String domain = new String(k, sep + 1, k.length - sep - 1, StandardCharsets.UTF_8);
                    visitor.accept(RecordCodec.decodeEntry(it.value()).toEntry(lastEnvelope, domain));
                }
                it.status();
            }
            return null;
        });
    }

    /** Entries that were in flight at the last stop and were made due again on open. */
    public long recoveredCount() {
        return recovered;
    }

    /**
     * Bytes charged for the just-stored messages kept in memory now (their bodies plus a fixed
     * overhead each; at most {@link SpoolSettings#bodyCacheBytes()}).
     */
    public long bodyCacheBytes() {
        return bodyCache.bytes();
    }

    public SpoolStats stats() {
        return new SpoolStats(messages.get(), entryCount.get(), bodyBytes.get(), inFlight.get());
    }

    /** Told of every suppression added or removed on this node, once durable (a fleet shares them). */
    public interface SuppressionListener {
        void suppressed(Suppression suppression);

        void unsuppressed(String tenant, String address);
    }

    private volatile SuppressionListener suppressionListener;

    /** Sets the one listener of suppression changes made on this node (null: none). */
    public void suppressionListener(SuppressionListener listener) {
        suppressionListener = listener;
    }

    /** Adds or replaces a suppression entry (durable when the future completes). */
    public CompletableFuture<Void> suppress(Suppression suppression) {
        CompletableFuture<Void> w = suppressLocally(suppression);
        SuppressionListener l = suppressionListener;
        return l == null ? w : w.thenRun(() -> l.suppressed(suppression));
    }

    /** Adds or replaces a suppression entry learned from another node: the listener is not told. */
    public CompletableFuture<Void> suppressLocally(Suppression suppression) {
        byte[] key = Keys.suppression(suppression.tenant() == null ? "" : suppression.tenant(), suppression.address());
        byte[] value = RecordCodec.encodeSuppression(suppression);
        // known before the write is queued, so a lookup after it completes reads
        suppressedTenants.add(suppression.tenant() == null ? "" : suppression.tenant());
        return committer.submit(true, g -> {
            g.batch().put(sdb.suppression, key, value);
            return null;
        });
    }

    /** Removes a suppression entry; true if one existed. Waits until the removal is durable. */
    public boolean unsuppress(String tenant, String address) {
        boolean removed = unsuppressLocally(tenant, address);
        SuppressionListener l = suppressionListener;
        if (l != null) l.unsuppressed(tenant == null ? "" : tenant, Keys.normalizeAddress(address));
        return removed;
    }

    /** Removes a suppression entry as another node did: the listener is not told. */
    public boolean unsuppressLocally(String tenant, String address) {
        byte[] key = Keys.suppression(tenant == null ? "" : tenant, address);
        return join(committer.submit(false, g -> {
            g.flush();
            if (sdb.db.get(sdb.suppression, key) == null) return false;
            g.batch().delete(sdb.suppression, key);
            return true;
        }));
    }

    /** The suppression entry for this tenant and address, if any (address compared lower case). */
    public Optional<Suppression> suppression(String tenant, String address) {
        String t = tenant == null ? "" : tenant;
        byte[] key = Keys.suppression(t, address);
        return read(() -> {
            // a tenant that never had an entry (the global list of most installs): nothing to read
            if (!suppressedTenants.contains(t)) return Optional.<Suppression>empty();
            suppressionReads.incrementAndGet();
            byte[] v = sdb.db.get(sdb.suppression, key);
            return v == null
                    ? Optional.<Suppression>empty()
                    : Optional.of(RecordCodec.decodeSuppression(t, Keys.normalizeAddress(address), v));
        });
    }

    /** Up to {@code limit} suppression entries of a tenant, in address order, after {@code afterAddress} ("" for the start). */
    public List<Suppression> suppressions(String tenant, String afterAddress, int limit) {
        String t = tenant == null ? "" : tenant;
        byte[] prefix = Keys.suppressionPrefix(t);
        String after = afterAddress == null ? "" : Keys.normalizeAddress(afterAddress);
        byte[] startKey = Keys.suppression(t, after);
        return read(() -> {
            List<Suppression> out = new ArrayList<>();
            if (limit <= 0) return out;
            try (RocksIterator it = sdb.db.newIterator(sdb.suppression)) {
                for (it.seek(startKey); it.isValid() && out.size() < limit; it.next()) {
                    byte[] k = it.key();
                    if (!Keys.startsWith(k, prefix)) break;
                    String address = new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8);
                    if (!after.isEmpty() && address.equals(after)) continue;
                    out.add(RecordCodec.decodeSuppression(t, address, it.value()));
                }
                it.status();
            }
            return out;
        });
    }

    /** The spool's feedback state (dedupe marks, pending suppressions, campaign counters). */
    public FeedbackStore feedbackStore() {
        return feedbackStore;
    }

    SpoolDb db() {
        return sdb;
    }

    Committer committer() {
        return committer;
    }

    ScheduleFloor floor() {
        return floor;
    }

    /**
     * Stores a hold, replacing one on the same target; durable (synced) when the future
     * completes. Allowed under the disk floor: a hold must be settable on a full disk.
     */
    public CompletableFuture<Void> putHold(Hold hold) {
        byte[] key = Keys.hold(hold.target());
        byte[] value = RecordCodec.encodeHold(hold);
        return committer.submit(false, g -> {
            g.batch().put(sdb.holds, key, value);
            return null;
        });
    }

    /** Removes the hold on a target; true if there was one. Waits until the removal is durable. */
    public boolean removeHold(HoldTarget target) {
        byte[] key = Keys.hold(target);
        return join(committer.submit(false, g -> {
            g.flush();
            if (sdb.db.get(sdb.holds, key) == null) return false;
            g.batch().delete(sdb.holds, key);
            return true;
        }));
    }

    /** Every stored hold, in target order (holds are few: operators and rules set them). */
    public List<Hold> holds() {
        return read(() -> {
            List<Hold> out = new ArrayList<>();
            try (RocksIterator it = sdb.db.newIterator(sdb.holds)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    out.add(RecordCodec.decodeHold(Keys.holdTarget(it.key()), it.value()));
                }
                it.status();
            }
            return out;
        });
    }

    /** Commits queued writes, flushes and closes RocksDB cleanly; leased entries stay spooled. */
    @Override
    public void close() {
        if (closed) return;
        synchronized (this) {
            if (closed) return;
            committer.close();
            closeLock.writeLock().lock();
            try {
                closed = true;
                sdb.close();
                noSync.close();
                synchronized (scanLock) {
                    scanOptions.close();
                }
            } finally {
                closeLock.writeLock().unlock();
            }
        }
    }

    private long readStat(byte[] key) throws RocksDBException {
        byte[] v = sdb.db.get(sdb.meta, key);
        return v == null || v.length != 8 ? 0 : Keys.getLong(v, 0);
    }

    /** Adds the new counter values to a batch (commit thread only). */
    private void putStats(WriteBatch b, long dMessages, long dEntries, long dBytes) throws RocksDBException {
        if (dMessages != 0) b.put(sdb.meta, STAT_MESSAGES, Keys.longBytes(messages.get() + dMessages));
        if (dEntries != 0) b.put(sdb.meta, STAT_ENTRIES, Keys.longBytes(entryCount.get() + dEntries));
        if (dBytes != 0) b.put(sdb.meta, STAT_BODY_BYTES, Keys.longBytes(bodyBytes.get() + dBytes));
    }

    private void applyStats(long dMessages, long dEntries, long dBytes) {
        messages.addAndGet(dMessages);
        entryCount.addAndGet(dEntries);
        bodyBytes.addAndGet(dBytes);
    }

    interface Read<T> {
        T get() throws RocksDBException;
    }

    <T> T read(Read<T> r) {
        closeLock.readLock().lock();
        try {
            if (closed) throw new SpoolException("spool is closed");
            return r.get();
        } catch (RocksDBException e) {
            throw new SpoolException("spool read failed: " + e.getMessage(), e);
        } finally {
            closeLock.readLock().unlock();
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            throw new CompletionException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpoolException("interrupted while waiting for the spool", e);
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }
}
