package dev.tern.queue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;

/**
 * Answers "is this message id certainly not spooled?" without a read, for the duplicate-id check of
 * {@link Spool#store} (issue 17: a RocksDB read per stored message on the commit thread).
 *
 * <p>Invariant: every spooled message key greater (unsigned byte order, RocksDB's) than the
 * watermark is in {@link #above}. At open the watermark is the greatest stored key, so the set
 * starts empty; every store adds its key once its batch is written. Deletions need no bookkeeping:
 * a key that is no longer spooled only makes {@link #mayBeSpooled} answer true, and the caller
 * reads. Tern's queue ids grow with time ({@code MessageIds}), so a new id is almost always above
 * every key stored: one comparison, no read. The set is bounded: past {@code cap} keys the older
 * half (in order of storing) is dropped and the watermark rises to the highest dropped key (keys at
 * or below it are read again).
 *
 * <p>Not thread-safe: the spool uses it on the commit thread only.
 */
final class NewIds {
    /** Keys kept above the watermark before the lower half is dropped. */
    static final int DEFAULT_CAP = 4096;

    private final int cap;
    private final HashSet<ByteBuffer> above = new HashSet<>();
    /** The keys of {@link #above} in the order they were stored (the oldest are dropped first). */
    private final ArrayDeque<byte[]> order = new ArrayDeque<>();
    /** Null: no key was spooled at open (every key is above). */
    private byte[] watermark;
    /** The greatest key in {@link #above} (or the watermark): a key above it is not spooled. */
    private byte[] highest;

    /** {@code highestAtOpen}: the greatest message key spooled when the spool opened, or null if none. */
    NewIds(byte[] highestAtOpen, int cap) {
        if (cap < 2) throw new IllegalArgumentException("cap must be >= 2");
        this.watermark = highestAtOpen;
        this.highest = highestAtOpen;
        this.cap = cap;
    }

    /** False only if no message with this key is spooled (then no read is needed). */
    boolean mayBeSpooled(byte[] messageKey) {
        // above every key spooled at open or stored since (the common case: ids grow)
        if (highest == null || Arrays.compareUnsigned(messageKey, highest) > 0) return false;
        if (watermark != null && Arrays.compareUnsigned(messageKey, watermark) <= 0) return true;
        return above.contains(ByteBuffer.wrap(messageKey));
    }

    /** A message with this key is now spooled (its batch was written). */
    void stored(byte[] messageKey) {
        if (watermark != null && Arrays.compareUnsigned(messageKey, watermark) <= 0) return;
        if (!above.add(ByteBuffer.wrap(messageKey))) return;
        order.addLast(messageKey);
        if (highest == null || Arrays.compareUnsigned(messageKey, highest) > 0) highest = messageKey;
        if (above.size() > cap) {
            for (int i = cap / 2; i > 0; i--) {
                byte[] k = order.pollFirst();
                above.remove(ByteBuffer.wrap(k));
                if (watermark == null || Arrays.compareUnsigned(k, watermark) > 0) watermark = k;
            }
        }
    }

    /** Keys kept above the watermark now (tests). */
    int kept() {
        return above.size();
    }
}
