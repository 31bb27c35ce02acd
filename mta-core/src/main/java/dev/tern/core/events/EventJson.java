package dev.tern.core.events;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes an event's log line, {@code {"seq":N,...}}, byte for byte as Jackson writes the
 * {@link Event} record after the seq (same field order, null fields left out, the same string
 * escapes, UTF-8), without Jackson's per-field dispatch and without intermediate strings. One
 * instance per writer thread: it reuses its buffer. A text with a lone surrogate (which Jackson
 * refuses) is not written here: {@link #line} returns false and the caller uses Jackson.
 */
final class EventJson {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private byte[] buf = new byte[1024];
    private int n;
    private boolean first;

    /** Bytes of the last line written by {@link #line} (it ends with '\n'). */
    byte[] bytes() {
        return buf;
    }

    /** Length of the last line. */
    int length() {
        return n;
    }

    /** Builds the line of {@code e} with sequence number {@code seq}; false when Jackson must do it. */
    boolean line(Event e, long seq) {
        n = 0;
        raw("{\"seq\":");
        number(seq);
        first = false;
        try {
            string("type", e.kind().wireName());
            if (e.time() != null) string("time", instant(e.time()));
            string("message_id", e.messageId());
            string("recipient", e.recipient());
            string("sender", e.sender());
            string("tenant", e.tenant());
            string("campaign", e.campaign());
            string("pool", e.pool());
            string("source", e.source());
            string("site", e.site());
            string("remote", e.remote());
            string("reply", e.reply());
            string("reason", e.reason());
            string("class", e.bounceClass());
            if (e.hard() != null) {
                name("hard");
                raw(e.hard() ? "true" : "false");
            }
            if (e.attempts() != null) {
                name("attempts");
                number(e.attempts());
            }
            if (e.size() != null) {
                name("size");
                number(e.size());
            }
            string("client", e.client());
            string("feedback_type", e.feedbackType());
            string("suppressed", e.suppressed());
            string("message_id_header", e.headerMessageId());
            if (e.meta() != null) meta(e.meta());
            string("tls_policy", e.tlsPolicy());
            if (e.hosts() != null) hosts(e.hosts());
        } catch (LoneSurrogate x) {
            return false;
        }
        put((byte) '}');
        put((byte) '\n');
        return true;
    }

    private static String instant(Instant t) {
        return t.toString(); // ISO-8601 as Jackson's InstantSerializer writes it (DateTimeFormatter.ISO_INSTANT)
    }

    private void meta(Map<String, String> meta) {
        name("meta");
        put((byte) '{');
        boolean firstEntry = true;
        for (var m : meta.entrySet()) {
            if (!firstEntry) put((byte) ',');
            firstEntry = false;
            quoted(m.getKey());
            put((byte) ':');
            if (m.getValue() == null) raw("null");
            else quoted(m.getValue());
        }
        put((byte) '}');
    }

    private void hosts(List<HostAttempt> hosts) {
        name("hosts");
        put((byte) '[');
        for (int i = 0; i < hosts.size(); i++) {
            if (i > 0) put((byte) ',');
            HostAttempt h = hosts.get(i);
            put((byte) '{');
            first = true;
            string("host", h.host());
            string("ip", h.ip());
            name("port");
            number(h.port());
            if (h.outcome() != null) string("outcome", h.outcome().wireName());
            string("reply", h.reply());
            string("tls_version", h.tlsVersion());
            string("tls_cipher", h.tlsCipher());
            string("tls_policy", h.tlsPolicy());
            put((byte) '}');
        }
        put((byte) ']');
        first = false;
    }

    /** {@code ,"name":"value"} (no comma before the first field of an object); nothing for null. */
    private void string(String name, String value) {
        if (value == null) return;
        name(name);
        quoted(value);
    }

    private void name(String name) {
        if (first) first = false;
        else put((byte) ',');
        put((byte) '"');
        raw(name);
        put((byte) '"');
        put((byte) ':');
    }

    /**
     * A JSON string as Jackson writes it: '"', '\\' and controls escaped, characters outside the
     * BMP as escaped surrogate pairs, the rest as UTF-8.
     */
    private void quoted(String s) {
        int len = s.length();
        ensure(len * 6 + 2);
        byte[] b = buf;
        int o = n;
        b[o++] = '"';
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    b[o++] = (byte) c;
                    continue;
                }
                b[o++] = '\\';
                switch (c) {
                    case '"' -> b[o++] = '"';
                    case '\\' -> b[o++] = '\\';
                    case '\n' -> b[o++] = 'n';
                    case '\r' -> b[o++] = 'r';
                    case '\t' -> b[o++] = 't';
                    case '\b' -> b[o++] = 'b';
                    case '\f' -> b[o++] = 'f';
                    default -> {
                        b[o++] = 'u';
                        b[o++] = '0';
                        b[o++] = '0';
                        b[o++] = HEX[c >> 4];
                        b[o++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                b[o++] = (byte) (0xC0 | (c >> 6));
                b[o++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= len || !Character.isLowSurrogate(s.charAt(i + 1)))
                    throw LoneSurrogate.INSTANCE;
                // Jackson writes a character outside the BMP as its two escaped surrogates
                o = escape(b, o, c);
                o = escape(b, o, s.charAt(++i));
            } else {
                b[o++] = (byte) (0xE0 | (c >> 12));
                b[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[o++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        b[o++] = '"';
        n = o;
    }

    private static int escape(byte[] b, int o, char c) {
        b[o++] = '\\';
        b[o++] = 'u';
        b[o++] = HEX[(c >> 12) & 0xF];
        b[o++] = HEX[(c >> 8) & 0xF];
        b[o++] = HEX[(c >> 4) & 0xF];
        b[o++] = HEX[c & 0xF];
        return o;
    }

    /** ASCII text as it is. */
    private void raw(String ascii) {
        int len = ascii.length();
        ensure(len);
        for (int i = 0; i < len; i++) buf[n++] = (byte) ascii.charAt(i);
    }

    private void number(long v) {
        if (v < 0 || v >= 1_000_000_000_000_000L) {
            raw(Long.toString(v));
            return;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        ensure(digits);
        for (int i = n + digits - 1; i >= n; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        n += digits;
    }

    private void put(byte b) {
        ensure(1);
        buf[n++] = b;
    }

    private void ensure(int more) {
        if (n + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
    }

    /** A text Jackson would refuse or replace: the line is left to Jackson. */
    private static final class LoneSurrogate extends RuntimeException {
        static final LoneSurrogate INSTANCE = new LoneSurrogate();

        private LoneSurrogate() {
            super(null, null, false, false);
        }
    }
}
