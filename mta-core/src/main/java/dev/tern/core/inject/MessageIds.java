package dev.tern.core.inject;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Tern queue ids: 24 hex digits, sortable by reception time (millis, sequence, random). */
public final class MessageIds {
    private static final AtomicLong SEQUENCE = new AtomicLong(new SecureRandom().nextInt(1 << 20));
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageIds() {}

    public static String next() {
        long millis = System.currentTimeMillis();
        long seq = SEQUENCE.getAndIncrement() & 0xFFFFF;
        int rnd = RANDOM.nextInt(1 << 16);
        return format(millis, seq, rnd, (int) (System.nanoTime() & 0xFFFF));
    }

    /** {@code String.format("%011x%05x%04x%04x", ...).substring(0, 24)} without the formatter. */
    static String format(long millis, long seq, int rnd, int nanos) {
        StringBuilder sb = new StringBuilder(32);
        hex(sb, Long.toHexString(millis), 11);
        hex(sb, Long.toHexString(seq), 5);
        hex(sb, Integer.toHexString(rnd), 4);
        hex(sb, Integer.toHexString(nanos), 4);
        return sb.substring(0, 24);
    }

    private static void hex(StringBuilder sb, String digits, int width) {
        for (int i = digits.length(); i < width; i++) sb.append('0');
        sb.append(digits);
    }
}
