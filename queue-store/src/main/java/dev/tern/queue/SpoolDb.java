package dev.tern.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB database of a spool with its column family handles. Opening checks that
 * the directory is empty or holds a Tern spool of a known format version.
 */
final class SpoolDb implements AutoCloseable {
    /** Value of the meta key {@code format}: identifies a Tern spool and its layout version. */
    static final String FORMAT = "tern-spool/1";

    static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.UTF_8);

    final RocksDB db;
    final ColumnFamilyHandle meta, bodies, envelopes, entries, schedule, leases, suppression, feedback, holds;
    private final List<ColumnFamilyHandle> handles;
    private final SpoolRocksOptions options;

    private SpoolDb(RocksDB db, List<ColumnFamilyHandle> handles, SpoolRocksOptions options) {
        this.db = db;
        this.handles = handles;
        this.options = options;
        // handles[0] is RocksDB's "default" family, unused.
        this.meta = handles.get(1);
        this.bodies = handles.get(2);
        this.envelopes = handles.get(3);
        this.entries = handles.get(4);
        this.schedule = handles.get(5);
        this.leases = handles.get(6);
        this.suppression = handles.get(7);
        this.feedback = handles.get(8);
        this.holds = handles.get(9);
    }

    static SpoolDb open(Path dir, SpoolSettings.Tuning tuning) {
        RocksDB.loadLibrary();
        boolean fresh = checkDirectory(dir);
        SpoolRocksOptions options = new SpoolRocksOptions(tuning);
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        try {
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, options.family("default")));
            for (String f : SpoolRocksOptions.FAMILIES) {
                descriptors.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.UTF_8), options.family(f)));
            }
            db = RocksDB.open(options.dbOptions(), dir.toString(), descriptors, handles);
            SpoolDb sdb = new SpoolDb(db, handles, options);
            sdb.checkFormat(dir, fresh);
            return sdb;
        } catch (RocksDBException e) {
            closeQuietly(handles, db, options);
            throw new SpoolException(describe(dir, e), e);
        } catch (RuntimeException e) {
            closeQuietly(handles, db, options);
            throw e;
        }
    }

    /** Returns true if the directory is new or empty; fails if it is not a Tern spool. */
    private static boolean checkDirectory(Path dir) {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new SpoolException("spool directory " + dir + " is not a directory");
            }
            Files.createDirectories(dir);
            boolean empty;
            try (Stream<Path> s = Files.list(dir)) {
                empty = s.findAny().isEmpty();
            }
            if (empty) return true;
            if (!Files.isRegularFile(dir.resolve("CURRENT"))) {
                throw new SpoolException("spool directory " + dir
                        + " is not a Tern spool: it holds files but no RocksDB database (no CURRENT file);"
                        + " give an empty or new directory");
            }
            List<byte[]> existing;
            try (Options o = new Options()) {
                existing = RocksDB.listColumnFamilies(o, dir.toString());
            }
            Set<String> names = new HashSet<>();
            for (byte[] n : existing) names.add(new String(n, StandardCharsets.UTF_8));
            if (names.isEmpty()) {
                throw new SpoolException(
                        "spool directory " + dir
                                + " is corrupt or not a Tern spool: RocksDB finds no column families in it (unreadable CURRENT/MANIFEST)");
            }
            Set<String> ours = new HashSet<>(SpoolRocksOptions.FAMILIES);
            ours.add("default");
            if (!names.contains(SpoolRocksOptions.META) || !ours.containsAll(names)) {
                checkReadable(dir, names);
                throw new SpoolException("spool directory " + dir
                        + " holds a RocksDB database that is not a Tern spool (column families " + names + ")");
            }
            return false;
        } catch (IOException e) {
            throw new SpoolException("cannot use spool directory " + dir + ": " + e, e);
        } catch (RocksDBException e) {
            throw new SpoolException(describe(dir, e), e);
        }
    }

    /** Throws "corrupt" instead of "foreign" when RocksDB cannot even read the database. */
    private static void checkReadable(Path dir, Set<String> names) {
        List<byte[]> families = new ArrayList<>();
        for (String n : names) families.add(n.getBytes(StandardCharsets.UTF_8));
        List<ColumnFamilyDescriptor> ds = new ArrayList<>();
        for (byte[] f : families) ds.add(new ColumnFamilyDescriptor(f));
        List<ColumnFamilyHandle> hs = new ArrayList<>();
        try (DBOptions o = new DBOptions();
                RocksDB db = RocksDB.openReadOnly(o, dir.toString(), ds, hs)) {
            hs.forEach(ColumnFamilyHandle::close);
        } catch (RocksDBException | RuntimeException e) {
            throw new SpoolException(
                    "spool directory " + dir + " is corrupt or not a Tern spool: " + e.getMessage(), e);
        }
    }

    private void checkFormat(Path dir, boolean fresh) throws RocksDBException {
        byte[] marker = db.get(meta, FORMAT_KEY);
        if (marker == null && (fresh || metaEmpty())) {
            // New spool, or one whose creation was interrupted before the marker was written.
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                db.put(meta, sync, FORMAT_KEY, FORMAT.getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        String found = marker == null ? null : new String(marker, StandardCharsets.UTF_8);
        if (found == null || !found.startsWith("tern-spool/")) {
            throw new SpoolException("spool directory " + dir + " is not a Tern spool (no format marker)");
        }
        if (!found.equals(FORMAT)) {
            throw new SpoolException("spool directory " + dir + " has format " + found + "; this Tern reads " + FORMAT);
        }
    }

    private boolean metaEmpty() {
        try (RocksIterator it = db.newIterator(meta)) {
            it.seekToFirst();
            return !it.isValid();
        }
    }

    private static String describe(Path dir, RocksDBException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("LOCK") || msg.toLowerCase().contains("lock")) {
            return "spool directory " + dir + " is in use (locked by another open spool or process: " + msg + ")";
        }
        if (msg.contains("Corruption")) {
            return "spool directory " + dir + " is corrupt: " + msg;
        }
        return "cannot open spool directory " + dir + ": " + msg;
    }

    /** Flushes every column family's memtable and waits for it (the WAL switches to a new file). */
    void flush() throws RocksDBException {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handles);
        }
    }

    /** Flushes memtables (so the next open replays no WAL) and closes everything. */
    @Override
    public void close() {
        try {
            flush();
        } catch (RocksDBException e) {
            // The WAL still holds everything; the next open replays it.
        }
        closeQuietly(handles, db, options);
    }

    private static void closeQuietly(List<ColumnFamilyHandle> handles, RocksDB db, SpoolRocksOptions options) {
        for (ColumnFamilyHandle h : handles) h.close();
        handles.clear();
        if (db != null) db.close();
        options.close();
    }
}
