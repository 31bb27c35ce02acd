package dev.tern.dkim;

import java.util.Arrays;

/** A growable byte buffer for canonical header data: no intermediate Strings. Not thread-safe. */
final class ByteSink {
    private byte[] buf;
    private int len;

    ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    void write(int b) {
        if (len == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
        buf[len++] = (byte) b;
    }

    /** Appends {@code s} as ISO-8859-1 (a char above U+00FF becomes {@code '?'}, as {@link String#getBytes} does). */
    void latin1(CharSequence s) {
        int n = s.length();
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            buf[len++] = c <= 0xFF ? (byte) c : (byte) '?';
        }
    }

    void crlf() {
        write('\r');
        write('\n');
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return len;
    }
}
