package dev.tern.queue;

import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.TablePropertiesCollectorFactory;

/**
 * Every RocksDB option of the spool, in one place, with the reason for it.
 *
 * <p>The workload: many small synced writes (one per accepted message and per outcome),
 * point reads by message id, a queue-like schedule index whose head is constantly deleted,
 * and bodies that are written once, read a few times and deleted.
 */
final class SpoolRocksOptions implements AutoCloseable {
    static final String META = "meta";
    static final String BODIES = "bodies";
    static final String ENVELOPES = "envelopes";
    static final String ENTRIES = "entries";
    static final String SCHEDULE = "schedule";
    static final String LEASES = "leases";
    static final String SUPPRESSION = "suppression";
    /** Feedback state ({@link FeedbackStore}): dedupe marks, pending suppressions, campaign counters. */
    static final String FEEDBACK = "feedback";
    /** Holds (suspensions) that survive restarts. */
    static final String HOLDS = "holds";
    /** Column families in handle order (after RocksDB's mandatory "default", unused). */
    static final List<String> FAMILIES =
            List.of(META, BODIES, ENVELOPES, ENTRIES, SCHEDULE, LEASES, SUPPRESSION, FEEDBACK, HOLDS);

    /** Obsolete WAL files kept for reuse ({@code recycle_log_file_num}). */
    static final int WAL_FILES_RECYCLED = 4;

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final SpoolSettings.Tuning t;
    private final Cache cache;

    SpoolRocksOptions(SpoolSettings.Tuning tuning) {
        this.t = tuning;
        // One LRU cache shared by all column families: memory for blocks is bounded by one
        // number however many families there are; it lives off heap.
        this.cache = own(new LRUCache(t.blockCacheBytes()));
    }

    DBOptions dbOptions() {
        DBOptions o = own(new DBOptions());
        o.setCreateIfMissing(true);
        o.setCreateMissingColumnFamilies(true);
        // Flushes and compactions share this many threads; the spool is I/O-bound, not CPU-bound.
        o.setMaxBackgroundJobs(t.maxBackgroundJobs());
        // Rarely written families (meta, suppression) would otherwise pin old WAL files forever:
        // past this total WAL size RocksDB flushes them so WAL files can be deleted.
        o.setMaxTotalWalSize(t.maxTotalWalBytes());
        // Smooth out SST and WAL writeback instead of a large burst at each fsync.
        o.setBytesPerSync(1L << 20);
        o.setWalBytesPerSync(1L << 20);
        // Reuse obsolete WAL files (overwritten from the start) instead of growing new ones: a sync
        // of a write inside the file's existing size writes data only, while a sync of a growing
        // file also commits its new size and extents to the file system's journal. On the relay's
        // synced path (a WAL sync every few messages) this cut the spool's CPU per message (issue
        // 17, benchmarks/README.md). Recovery stays point-in-time (RocksDB's default, required:
        // RocksDB turns recycling off for kTolerateCorruptedTailRecords and kAbsoluteConsistency):
        // records of the file's previous life carry another log number and end the replay like
        // a torn tail. Costs disk: up to this many obsolete WAL files (each about the size of a
        // full memtable) are kept for reuse.
        o.setRecycleLogFileNum(WAL_FILES_RECYCLED);
        // The committer thread does the syncing; RocksDB's automatic WAL flush stays on so every
        // write reaches the OS at once (survives kill -9 even before the group's sync).
        o.setManualWalFlush(false);
        // Keep RocksDB's own LOG small.
        o.setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
        o.setKeepLogFileNum(3);
        o.setMaxLogFileSize(8L << 20);
        // Each column family's SST files are opened on demand and kept open.
        o.setMaxOpenFiles(-1);
        return o;
    }

    /** Options of one column family by name. */
    ColumnFamilyOptions family(String name) {
        return switch (name) {
            case BODIES -> bodies();
            case ENVELOPES, ENTRIES -> pointLookup(t.writeBufferBytes(), true);
            case SCHEDULE -> schedule();
            case LEASES -> pointLookup(Math.max(4L << 20, t.writeBufferBytes() / 4), true);
            case SUPPRESSION, FEEDBACK -> pointLookup(Math.max(4L << 20, t.writeBufferBytes() / 4), false);
            default -> small();
        };
    }

    /** Bodies: large values in blob files, so compaction rewrites only small keys + blob refs. */
    private ColumnFamilyOptions bodies() {
        ColumnFamilyOptions o = base(t.writeBufferBytes(), bloom());
        // Integrated BlobDB: values >= blobMinBytes are written once to blob files at flush and
        // are not rewritten by LSM compaction (mail bodies are write-once, read-few, delete).
        o.setEnableBlobFiles(true);
        o.setMinBlobSize(t.blobMinBytes());
        o.setBlobFileSize(256L << 20);
        // Mail is text: LZ4 is cheap and typically halves it.
        o.setBlobCompressionType(CompressionType.LZ4_COMPRESSION);
        // Deleted bodies' space comes back by relocating live blobs out of the oldest files.
        o.setEnableBlobGarbageCollection(true);
        o.setBlobGarbageCollectionAgeCutoff(0.25);
        return o;
    }

    /**
     * Point-lookup families (entries, envelopes, leases, suppression): a bloom filter per SST
     * saves a disk read for every miss (new message ids, "is this address suppressed?").
     */
    private ColumnFamilyOptions pointLookup(long writeBuffer, boolean queueLike) {
        ColumnFamilyOptions o = base(writeBuffer, bloom());
        return queueLike ? compactOnDeletes(o) : o;
    }

    /**
     * Schedule index: only range scans from its head, so no bloom filter; the head is deleted
     * constantly (queue pattern), so SSTs dense with tombstones are compacted early.
     */
    private ColumnFamilyOptions schedule() {
        return compactOnDeletes(base(t.writeBufferBytes(), null));
    }

    private ColumnFamilyOptions small() {
        return base(4L << 20, null);
    }

    private ColumnFamilyOptions base(long writeBuffer, BloomFilter filter) {
        ColumnFamilyOptions o = own(new ColumnFamilyOptions());
        // Memtable size and count: larger memtables absorb the queue's churn (a key put and
        // deleted before its memtable is flushed never reaches disk).
        o.setWriteBufferSize(writeBuffer);
        o.setMaxWriteBufferNumber(t.maxWriteBufferNumber());
        // Level compaction with dynamic level sizes: bounded space amplification (deleted
        // messages are really reclaimed), predictable read cost.
        o.setCompactionStyle(CompactionStyle.LEVEL);
        o.setLevelCompactionDynamicLevelBytes(true);
        o.setTargetFileSizeBase(Math.max(8L << 20, writeBuffer));
        o.setMaxBytesForLevelBase(Math.max(64L << 20, writeBuffer * 4));
        o.setLevel0FileNumCompactionTrigger(4);
        o.setCompressionType(CompressionType.LZ4_COMPRESSION);
        o.setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
        BlockBasedTableConfig table = new BlockBasedTableConfig();
        table.setBlockCache(cache);
        // Index and filter blocks live in the shared cache (bounded memory), with L0's pinned so
        // fresh data (the hot part of a queue) never misses them.
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinL0FilterAndIndexBlocksInCache(true);
        table.setBlockSize(16 * 1024);
        table.setFormatVersion(5);
        if (filter != null) table.setFilterPolicy(filter);
        o.setTableFormatConfig(table);
        return o;
    }

    private BloomFilter bloom() {
        // About 1% false positives.
        return own(new BloomFilter(10, false));
    }

    private ColumnFamilyOptions compactOnDeletes(ColumnFamilyOptions o) {
        // An SST in which a sliding window of 128 Ki keys holds >= 16 Ki deletions (or half of
        // its entries are deletions) is compacted promptly, so scans of a queue's head do not
        // wade through tombstones. The Java API only offers this setter on Options, so the
        // family's options go through an Options copy.
        try (DBOptions db = new DBOptions();
                Options tmp = new Options(db, o)) {
            tmp.setTablePropertiesCollectorFactory(List.of(own(
                    TablePropertiesCollectorFactory.NewCompactOnDeletionCollectorFactory(128 * 1024, 16 * 1024, 0.5))));
            return own(new ColumnFamilyOptions(tmp));
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception ignored) {
                // closing native handles does not fail in practice
            }
        }
        owned.clear();
    }
}
