package dev.tern.queue;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Messages just stored, kept in memory for their first lease and delivery: the scan that leases
 * a message kept here takes its envelope from memory instead of reading it, and delivery's first
 * open of its body needs no read (issue 17). Only a read shortcut: everything here is also
 * committed to the spool, which stays the truth; losing the cache (a crash, an eviction) only
 * means the next scan or open reads the spool.
 *
 * <p>Bounded by {@code capBytes}: each message is charged its body's length plus
 * {@link #OVERHEAD}; adding past the cap evicts the oldest first, and a message charged more than
 * a quarter of the cap is not kept. A cap of 0 keeps nothing. The body arrays are the ones given
 * to {@link Spool#store}: the spool owns them from that call on, and nobody may modify them (see
 * {@link Spool#store(Envelope, byte[], java.util.List)}).
 *
 * <p>Thread-safe (one monitor: the commit thread adds, the scan and delivery threads read).
 */
final class BodyCache {
    /** Bytes charged per kept message besides its body (envelope, map entry). */
    static final long OVERHEAD = 256;

    /** A kept message: its whole body (no tail file), its envelope and its entry count when stored. */
    record Kept(byte[] body, Envelope envelope, int entries) {
        long charge() {
            return body.length + OVERHEAD;
        }
    }

    private final long capBytes;
    private final LinkedHashMap<String, Kept> kept = new LinkedHashMap<>();
    private long bytes;

    BodyCache(long capBytes) {
        this.capBytes = Math.max(0, capBytes);
    }

    /** Keeps a message just stored (replacing an earlier one of the id), evicting the oldest to fit. */
    void put(Envelope envelope, byte[] body, int entries) {
        Kept k = new Kept(body, envelope, entries);
        if (capBytes == 0 || k.charge() > capBytes / 4) return;
        synchronized (this) {
            Kept old = kept.put(envelope.messageId(), k);
            if (old != null) bytes -= old.charge();
            bytes += k.charge();
            Iterator<Map.Entry<String, Kept>> it = kept.entrySet().iterator();
            while (bytes > capBytes && it.hasNext()) {
                bytes -= it.next().getValue().charge();
                it.remove();
            }
        }
    }

    /** The kept message {@code messageId}, or null; it stays kept. */
    synchronized Kept get(String messageId) {
        return kept.get(messageId);
    }

    /** The kept message {@code messageId}, or null; it is no longer kept. */
    synchronized Kept take(String messageId) {
        Kept k = kept.remove(messageId);
        if (k != null) bytes -= k.charge();
        return k;
    }

    /** Forgets the message {@code messageId}, if kept. */
    void remove(String messageId) {
        if (capBytes == 0) return;
        take(messageId);
    }

    /** Bytes charged for the messages kept now. */
    synchronized long bytes() {
        return bytes;
    }
}
