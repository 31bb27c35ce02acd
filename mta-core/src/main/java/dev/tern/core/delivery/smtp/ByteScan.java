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

    private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

    /** The high bit of each zero byte of {@code x} set, nothing else (exact: no borrow between bytes). */
    private static long zeroBytes(long x) {
        return ~(((x & LOWS) + LOWS) | x | LOWS);
    }

    /**
     * The first index {@code i} in {@code [from, to - 1)} with {@code a[i] == first} and {@code a[i + 1]
     * == second} (both bytes in {@code [from, to)}), or -1. One pass over the range, whatever the
     * number of {@code first} bytes in it (a search for {@code first} stops at each).
     */
    static int indexOfPair(byte[] a, int from, int to, byte first, byte second) {
        long p1 = (first & 0xFFL) * ONES;
        long p2 = (second & 0xFFL) * ONES;
        int i = from;
        long carry = 0; // 0x80 when the last byte of the previous word was `first`
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(a, i);
            long y = x ^ p1;
            if (((y - ONES) & ~y & HIGHS) == 0) { // no `first` in this word (the quick test has no misses)
                if (carry != 0 && (byte) x == second) return i - 1;
                carry = 0;
                continue;
            }
            long f = zeroBytes(y);
            long m = ((f << 8) | carry) & zeroBytes(x ^ p2); // flags the byte after a `first`
            if (m != 0) return i - 1 + (Long.numberOfTrailingZeros(m) >>> 3);
            carry = f >>> 56;
        }
        if (carry != 0 && i < to && a[i] == second) return i - 1;
        for (; i + 1 < to; i++) if (a[i] == first && a[i + 1] == second) return i;
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
