package dev.tern.core.delivery.smtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Scans of message bytes eight at a time (a {@code long} per step, SWAR): finding a byte and
 * finding a byte with the high bit set. The message scans on the delivery path (line-start dots,
 * 8-bit content) look at every byte of every message; one at a time they cost more than the rest
 * of the transaction's framing.
 */
final class ByteScan {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private ByteScan() {}

    /** The first index in {@code [from, to)} holding {@code b}, or -1. */
    static int indexOf(byte[] a, int from, int to, byte b) {
        long pattern = (b & 0xFFL) * ONES;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(a, i) ^ pattern;
            // a zero byte of x is a match; the lowest flagged byte is always a real one
            long t = (x - ONES) & ~x & HIGHS;
            if (t != 0) return i + (Long.numberOfTrailingZeros(t) >>> 3);
        }
        for (; i < to; i++) if (a[i] == b) return i;
        return -1;
    }

    /** Whether a byte in {@code [from, to)} has its high bit set (is not 7-bit). */
    static boolean anyHighBit(byte[] a, int from, int to) {
        int i = from;
        long acc = 0;
        for (; i + 8 <= to; i += 8) acc |= (long) LONGS.get(a, i);
        if ((acc & HIGHS) != 0) return true;
        for (; i < to; i++) if (a[i] < 0) return true;
        return false;
    }
}
