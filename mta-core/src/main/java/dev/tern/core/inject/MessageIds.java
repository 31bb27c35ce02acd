package dev.tern.core.inject;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Tern queue ids: 24 hex digits, sortable by reception time (millis, sequence, random). */
public final class MessageIds {
    private static final AtomicLong SEQUENCE = new AtomicLong(new SecureRandom().nextInt(1 << 20));
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Random bytes drawn from {@link #RANDOM} in bulk: two per id (one draw per 128 ids, not one per id). */
    private static final byte[] POOL = new byte[256];

    private static int poolPos = POOL.length; // guarded by POOL

    private MessageIds() {}

    public static String next() {
        long millis = System.currentTimeMillis();
        long seq = SEQUENCE.getAndIncrement() & 0xFFFFF;
        int rnd = random16();
        return format(millis, seq, rnd, (int) (System.nanoTime() & 0xFFFF));
    }

    /** 16 random bits from the pool, refilled from the {@link SecureRandom} when used up. */
    private static int random16() {
        synchronized (POOL) {
            if (poolPos == POOL.length) {
                RANDOM.nextBytes(POOL);
                poolPos = 0;
            }
            int r = (POOL[poolPos] & 0xff) << 8 | (POOL[poolPos + 1] & 0xff);
            poolPos += 2;
            return r;
        }
    }

    /** {@code String.format("%011x%05x%04x%04x", ...).substring(0, 24)} without the formatter. */
    static String format(long millis, long seq, int rnd, int nanos) {
        if (millis >>> 44 == 0 && seq >>> 20 == 0 && rnd >>> 16 == 0 && nanos >>> 16 == 0) {
            byte[] id = new byte[24]; // every field fits its width: fixed-width hex digits, no strings
            digits(id, 0, millis, 11);
            digits(id, 11, seq, 5);
            digits(id, 16, rnd, 4);
            digits(id, 20, nanos, 4);
            return new String(id, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        StringBuilder sb = new StringBuilder(32);
        hex(sb, Long.toHexString(millis), 11);
        hex(sb, Long.toHexString(seq), 5);
        hex(sb, Integer.toHexString(rnd), 4);
        hex(sb, Integer.toHexString(nanos), 4);
        return sb.substring(0, 24);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    /** {@code value} as {@code width} lower-case hex digits at {@code id[at]}. */
    private static void digits(byte[] id, int at, long value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            id[i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }

    private static void hex(StringBuilder sb, String digits, int width) {
        for (int i = digits.length(); i < width; i++) sb.append('0');
        sb.append(digits);
    }
}
