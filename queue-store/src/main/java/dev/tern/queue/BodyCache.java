package dev.tern.queue;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bodies of messages just stored, kept in memory for delivery's first open of them, so that
 * opening a message that is still in memory does not read RocksDB (issue 17). Only a read
 * shortcut: every body here is also committed to the spool, which stays the truth; losing the
 * cache (a crash, an eviction) only means the next open reads the spool.
 *
 * <p>Bounded by {@code capBytes} (the bodies' lengths summed): adding past the cap evicts the
 * oldest bodies first, and a body larger than a quarter of the cap is not kept. A cap of 0
 * keeps nothing. The arrays are the ones given to {@link Spool#store}: the spool owns them from
 * that call on, and nobody may modify them (see {@link Spool#store(Envelope, byte[], java.util.List)}).
 *
 * <p>Thread-safe (one monitor: the commit thread adds, delivery threads take).
 */
final class BodyCache {
    private final long capBytes;
    private final LinkedHashMap<String, byte[]> bodies = new LinkedHashMap<>();
    private long bytes;

    BodyCache(long capBytes) {
        this.capBytes = Math.max(0, capBytes);
    }

    /** Keeps {@code body} of message {@code messageId} (replacing an earlier one), evicting the oldest to fit. */
    void put(String messageId, byte[] body) {
        if (capBytes == 0 || body.length > capBytes / 4) return;
        synchronized (this) {
            byte[] old = bodies.put(messageId, body);
            if (old != null) bytes -= old.length;
            bytes += body.length;
            Iterator<Map.Entry<String, byte[]>> it = bodies.entrySet().iterator();
            while (bytes > capBytes && it.hasNext()) {
                bytes -= it.next().getValue().length;
                it.remove();
            }
        }
    }

    /** The kept body of {@code messageId}, or null; it stays kept. */
    synchronized byte[] get(String messageId) {
        return bodies.get(messageId);
    }

    /** The kept body of {@code messageId}, or null; it is no longer kept. */
    synchronized byte[] take(String messageId) {
        byte[] b = bodies.remove(messageId);
        if (b != null) bytes -= b.length;
        return b;
    }

    /** Forgets the body of {@code messageId}, if kept. */
    void remove(String messageId) {
        if (capBytes == 0) return;
        take(messageId);
    }

    /** Bytes of the bodies kept now. */
    synchronized long bytes() {
        return bytes;
    }

    /** Bodies kept now. */
    synchronized int size() {
        return bodies.size();
    }
}
