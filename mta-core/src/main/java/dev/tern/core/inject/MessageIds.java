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
        return String.format("%011x%05x%04x%04x", millis, seq, rnd, (int) (System.nanoTime() & 0xFFFF))
                .substring(0, 24);
    }
}
