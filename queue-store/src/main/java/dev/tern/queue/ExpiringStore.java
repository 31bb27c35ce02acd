package dev.tern.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.TtlDB;
import org.rocksdb.WriteOptions;

/**
 * A small key-value store of its own directory whose records expire: RocksDB with TTL
 * compaction (a record older than the TTL is dropped at a compaction, so it may still be read
 * for a while after). Writes are not synced: a machine crash may lose the last moments'
 * records, a process crash does not. Separate from the spool, whose column families and record
 * format it leaves untouched. All of Tern's RocksDB use stays in this module.
 */
public final class ExpiringStore implements AutoCloseable {
    static {
        TtlDB.loadLibrary();
    }

    private final Options options;
    private final TtlDB db;
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private final String name;

    private ExpiringStore(Options options, TtlDB db, String name) {
        this.options = options;
        this.db = db;
        this.name = name;
    }

    /**
     * Opens (or creates) the store in {@code dir}; records expire after {@code ttl}.
     *
     * @param name what the store holds, for error messages ("sent-message index")
     */
    public static ExpiringStore open(Path dir, Duration ttl, String name) {
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(8 << 20)
                .setMaxWriteBufferNumber(2)
                .setKeepLogFileNum(2);
        try {
            Files.createDirectories(dir);
            return new ExpiringStore(
                    options,
                    TtlDB.open(options, dir.toString(), (int) Math.min(Integer.MAX_VALUE, ttl.toSeconds()), false),
                    name);
        } catch (RocksDBException | IOException e) {
            options.close();
            throw new IllegalStateException("cannot open the " + name + " " + dir + ": " + e.getMessage(), e);
        }
    }

    public void put(byte[] key, byte[] value) {
        try {
            db.put(noSync, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException(name + " write failed: " + e.getMessage(), e);
        }
    }

    public Optional<byte[]> get(byte[] key) {
        try {
            return Optional.ofNullable(db.get(key));
        } catch (RocksDBException e) {
            throw new IllegalStateException(name + " read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        db.close();
        noSync.close();
        options.close();
    }
}
