package dev.tern.queue;

import java.nio.file.Path;

/**
 * How to open the spool.
 *
 * @param directory       the RocksDB directory (created if missing)
 * @param syncWrites      true: a write completes only after the WAL is synced (the default
 *                        and Tern's durability contract); false only for labelled benchmarks
 * @param minFreeDiskBytes writes fail with {@link SpoolFullException} when the file system
 *                        holding {@code directory} has less free space than this
 * @param tuning          RocksDB tuning
 * @param observer        receives metrics hooks (commit batch sizes, sync latency)
 * @param bodyCacheBytes  most bytes of just-stored bodies kept in memory for delivery's first
 *                        open of them (a read shortcut; 0 keeps none)
 */
public record SpoolSettings(
        Path directory,
        boolean syncWrites,
        long minFreeDiskBytes,
        Tuning tuning,
        SpoolObserver observer,
        long bodyCacheBytes) {

    /** Default of {@link #bodyCacheBytes()}: 16 MiB (config {@code spool.body_cache}). */
    public static final long DEFAULT_BODY_CACHE_BYTES = 16L << 20;

    public SpoolSettings {
        if (tuning == null) tuning = Tuning.defaults();
        if (observer == null) observer = SpoolObserver.NONE;
        if (bodyCacheBytes < 0) throw new IllegalArgumentException("bodyCacheBytes < 0: " + bodyCacheBytes);
    }

    /** As the canonical constructor with the default body cache. */
    public SpoolSettings(
            Path directory, boolean syncWrites, long minFreeDiskBytes, Tuning tuning, SpoolObserver observer) {
        this(directory, syncWrites, minFreeDiskBytes, tuning, observer, DEFAULT_BODY_CACHE_BYTES);
    }

    /** Synced writes, 512 MiB disk floor, default tuning, no observer, default body cache. */
    public static SpoolSettings defaults(Path directory) {
        return new SpoolSettings(directory, true, 512L << 20, Tuning.defaults(), SpoolObserver.NONE);
    }

    /** The same settings with another disk floor (0 disables the check). */
    public SpoolSettings withMinFreeDiskBytes(long bytes) {
        return new SpoolSettings(directory, syncWrites, bytes, tuning, observer, bodyCacheBytes);
    }

    /** The same settings with another observer. */
    public SpoolSettings withObserver(SpoolObserver newObserver) {
        return new SpoolSettings(directory, syncWrites, minFreeDiskBytes, tuning, newObserver, bodyCacheBytes);
    }

    /** The same settings with another body cache size (0 keeps no bodies in memory). */
    public SpoolSettings withBodyCacheBytes(long bytes) {
        return new SpoolSettings(directory, syncWrites, minFreeDiskBytes, tuning, observer, bytes);
    }

    /**
     * RocksDB options for the spool workload (see {@code SpoolRocksOptions} for how each is used).
     * Values of 0 or less mean "the default".
     *
     * @param writeBufferBytes    memtable size of the busy column families (bodies, entries,
     *                            envelopes, schedule); small ones get a quarter
     * @param blockCacheBytes     shared LRU block cache (index, filter and data blocks; off heap)
     * @param blobMinBytes        bodies at least this large go to blob files (BlobDB)
     * @param maxBackgroundJobs   flush + compaction threads
     * @param maxWriteBufferNumber memtables per column family before writes stall
     * @param maxTotalWalBytes    WAL size that forces flushing the column families pinning old WAL files
     * @param maxGroupCommit      most writes collected into one group commit (one WAL sync)
     */
    public record Tuning(
            long writeBufferBytes,
            long blockCacheBytes,
            long blobMinBytes,
            int maxBackgroundJobs,
            int maxWriteBufferNumber,
            long maxTotalWalBytes,
            int maxGroupCommit) {

        public Tuning {
            if (writeBufferBytes <= 0) writeBufferBytes = 64L << 20;
            if (blockCacheBytes <= 0) blockCacheBytes = 64L << 20;
            if (blobMinBytes <= 0) blobMinBytes = 4096;
            if (maxBackgroundJobs <= 0) maxBackgroundJobs = 2;
            if (maxWriteBufferNumber <= 0) maxWriteBufferNumber = 4;
            if (maxTotalWalBytes <= 0) maxTotalWalBytes = 512L << 20;
            if (maxGroupCommit <= 0) maxGroupCommit = 4096;
        }

        /** The four original knobs; the others take their defaults. */
        public Tuning(long writeBufferBytes, long blockCacheBytes, long blobMinBytes, int maxBackgroundJobs) {
            this(writeBufferBytes, blockCacheBytes, blobMinBytes, maxBackgroundJobs, 0, 0, 0);
        }

        public static Tuning defaults() {
            return new Tuning(64L << 20, 64L << 20, 4096, 2);
        }
    }
}
