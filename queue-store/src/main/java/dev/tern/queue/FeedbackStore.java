package dev.tern.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import org.rocksdb.RocksIterator;

/**
 * The spool's {@code feedback} column family: small records that make returned mail count once
 * and keep campaign figures across restarts (dedupe marks, pending suppressions, campaign
 * counters). Keys are strings chosen by the caller (a short prefix per kind of record); values
 * are opaque bytes. Writes go through the spool's group commit: a returned future completes
 * when the write is durable (synced when the spool syncs). {@link #putIfAbsent} is atomic with
 * respect to every other write of the spool.
 */
public final class FeedbackStore {
    /** One stored record. */
    public record Entry(String key, byte[] value) {}

    private final Spool spool;

    FeedbackStore(Spool spool) {
        this.spool = spool;
    }

    private static byte[] key(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("feedback key is empty");
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** Stores {@code value} unless the key exists; the future gives true when it was stored. */
    public CompletableFuture<Boolean> putIfAbsent(String key, byte[] value) {
        byte[] k = key(key);
        SpoolDb sdb = spool.db();
        return spool.committer().submit(true, g -> {
            g.flush(); // an earlier write of this group may have put the key
            if (sdb.db.get(sdb.feedback, k) != null) return false;
            g.batch().put(sdb.feedback, k, value);
            return true;
        });
    }

    /** Stores or replaces records, atomically. */
    public CompletableFuture<Void> putAll(Map<String, byte[]> records) {
        if (records.isEmpty()) return CompletableFuture.completedFuture(null);
        List<byte[][]> kv = new ArrayList<>(records.size());
        records.forEach((k, v) -> kv.add(new byte[][] {key(k), v}));
        SpoolDb sdb = spool.db();
        return spool.committer().submit(true, g -> {
            for (byte[][] e : kv) g.batch().put(sdb.feedback, e[0], e[1]);
            return null;
        });
    }

    /** Stores or replaces one record. */
    public CompletableFuture<Void> put(String key, byte[] value) {
        return putAll(Map.of(key, value));
    }

    /** Deletes records; the future gives how many keys were given (deleting a missing key is no error). */
    public CompletableFuture<Integer> deleteAll(List<String> keys) {
        if (keys.isEmpty()) return CompletableFuture.completedFuture(0);
        List<byte[]> ks = keys.stream().map(FeedbackStore::key).toList();
        SpoolDb sdb = spool.db();
        return spool.committer().submit(false, g -> {
            for (byte[] k : ks) g.batch().delete(sdb.feedback, k);
            return ks.size();
        });
    }

    public Optional<byte[]> get(String key) {
        byte[] k = key(key);
        SpoolDb sdb = spool.db();
        return spool.read(() -> Optional.ofNullable(sdb.db.get(sdb.feedback, k)));
    }

    /** Up to {@code limit} records whose key starts with {@code prefix}, in key order, after {@code after} ("" = from the start). */
    public List<Entry> scan(String prefix, String after, int limit) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] start = (after == null || after.isEmpty()) ? p : Keys.successor(key(after));
        SpoolDb sdb = spool.db();
        return spool.read(() -> {
            List<Entry> out = new ArrayList<>();
            try (RocksIterator it = sdb.db.newIterator(sdb.feedback)) {
                for (it.seek(start); it.isValid() && out.size() < limit; it.next()) {
                    byte[] k = it.key();
                    if (!Keys.startsWith(k, p)) break;
                    out.add(new Entry(new String(k, StandardCharsets.UTF_8), it.value()));
                }
                it.status();
            }
            return out;
        });
    }

    /**
     * Deletes the records under {@code prefix} for which {@code drop} is true, scanning in pages
     * (bounded memory); returns how many were deleted.
     */
    public int prune(String prefix, BiPredicate<String, byte[]> drop) {
        int deleted = 0;
        String after = "";
        while (true) {
            List<Entry> page = scan(prefix, after, 1000);
            if (page.isEmpty()) return deleted;
            List<String> gone = page.stream()
                    .filter(e -> drop.test(e.key(), e.value()))
                    .map(Entry::key)
                    .toList();
            deleted += deleteAll(gone).join();
            after = page.get(page.size() - 1).key();
            if (page.size() < 1000) return deleted;
        }
    }
}
