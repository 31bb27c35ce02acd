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
 */
public record SpoolSettings(
    Path directory, boolean syncWrites, long minFreeDiskBytes, Tuning tuning, SpoolObserver observer) {

  public SpoolSettings {
    if (tuning == null) tuning = Tuning.defaults();
    if (observer == null) observer = SpoolObserver.NONE;
  }

  /** Synced writes, 512 MiB disk floor, default tuning, no observer. */
  public static SpoolSettings defaults(Path directory) {
    return new SpoolSettings(directory, true, 512L << 20, Tuning.defaults(), SpoolObserver.NONE);
  }

  /**
   * RocksDB options for the spool workload.
   *
   * @param writeBufferBytes  memtable size per column family
   * @param blockCacheBytes   shared LRU block cache
   * @param blobMinBytes      bodies at least this large go to blob files (BlobDB)
   * @param maxBackgroundJobs flush + compaction threads
   */
  public record Tuning(long writeBufferBytes, long blockCacheBytes, long blobMinBytes, int maxBackgroundJobs) {
    public static Tuning defaults() {
      return new Tuning(64L << 20, 64L << 20, 4096, 2);
    }
  }
}
