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
    private static final byte[] K_ATTEMPTS = key("attempts");
    private static final byte[] K_CAMPAIGN = key("campaign");
    private static final byte[] K_CLASS = key("class");
    private static final byte[] K_CLIENT = key("client");
    private static final byte[] K_FEEDBACK_TYPE = key("feedback_type");
    private static final byte[] K_HARD = key("hard");
    private static final byte[] K_HOST = key("host");
    private static final byte[] K_HOSTS = key("hosts");
    private static final byte[] K_IP = key("ip");
    private static final byte[] K_MESSAGE_ID = key("message_id");
    private static final byte[] K_MESSAGE_ID_HEADER = key("message_id_header");
    private static final byte[] K_META = key("meta");
    private static final byte[] K_OUTCOME = key("outcome");
    private static final byte[] K_POOL = key("pool");
    private static final byte[] K_PORT = key("port");
    private static final byte[] K_REASON = key("reason");
    private static final byte[] K_RECIPIENT = key("recipient");
    private static final byte[] K_REMOTE = key("remote");
    private static final byte[] K_REPLY = key("reply");
    private static final byte[] K_SENDER = key("sender");
    private static final byte[] K_SITE = key("site");
    private static final byte[] K_SIZE = key("size");
    private static final byte[] K_SOURCE = key("source");
    private static final byte[] K_SUPPRESSED = key("suppressed");
    private static final byte[] K_TENANT = key("tenant");
    private static final byte[] K_TIME = key("time");
    private static final byte[] K_TLS_CIPHER = key("tls_cipher");
    private static final byte[] K_TLS_POLICY = key("tls_policy");
    private static final byte[] K_TLS_VERSION = key("tls_version");
    private static final byte[] K_TYPE = key("type");

    private static final String[] KINDS =
            java.util.Arrays.stream(EventType.values()).map(EventType::wireName).toArray(String[]::new);
    private static final String[] OUTCOMES = java.util.Arrays.stream(HostAttempt.Outcome.values())
            .map(HostAttempt.Outcome::wireName)
            .toArray(String[]::new);

    private byte[] buf = new byte[1024];
    private char[] chars = new char[256]; // a string's characters, copied out in one step
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
            string(K_TYPE, KINDS[e.kind().ordinal()]);
            if (e.time() != null) string(K_TIME, instant(e.time()));
            string(K_MESSAGE_ID, e.messageId());
            string(K_RECIPIENT, e.recipient());
            string(K_SENDER, e.sender());
            string(K_TENANT, e.tenant());
            string(K_CAMPAIGN, e.campaign());
            string(K_POOL, e.pool());
            string(K_SOURCE, e.source());
            string(K_SITE, e.site());
            string(K_REMOTE, e.remote());
            string(K_REPLY, e.reply());
            string(K_REASON, e.reason());
            string(K_CLASS, e.bounceClass());
            if (e.hard() != null) {
                name(K_HARD);
                raw(e.hard() ? "true" : "false");
            }
            if (e.attempts() != null) {
                name(K_ATTEMPTS);
                number(e.attempts());
            }
            if (e.size() != null) {
                name(K_SIZE);
                number(e.size());
            }
            string(K_CLIENT, e.client());
            string(K_FEEDBACK_TYPE, e.feedbackType());
            string(K_SUPPRESSED, e.suppressed());
            string(K_MESSAGE_ID_HEADER, e.headerMessageId());
            if (e.meta() != null) meta(e.meta());
            string(K_TLS_POLICY, e.tlsPolicy());
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
        name(K_META);
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
        name(K_HOSTS);
        put((byte) '[');
        for (int i = 0; i < hosts.size(); i++) {
            if (i > 0) put((byte) ',');
            HostAttempt h = hosts.get(i);
            put((byte) '{');
            first = true;
            string(K_HOST, h.host());
            string(K_IP, h.ip());
            name(K_PORT);
            number(h.port());
            if (h.outcome() != null) string(K_OUTCOME, OUTCOMES[h.outcome().ordinal()]);
            string(K_REPLY, h.reply());
            string(K_TLS_VERSION, h.tlsVersion());
            string(K_TLS_CIPHER, h.tlsCipher());
            string(K_TLS_POLICY, h.tlsPolicy());
            put((byte) '}');
        }
        put((byte) ']');
        first = false;
    }

    /** {@code ,"name":} as bytes (the comma is left out before an object's first field). */
    private static byte[] key(String name) {
        return (",\"" + name + "\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** {@code ,"name":"value"} (no comma before the first field of an object); nothing for null. */
    private void string(byte[] key, String value) {
        if (value == null) return;
        name(key);
        quoted(value);
    }

    private void name(byte[] key) {
        int from = first ? 1 : 0;
        first = false;
        ensure(key.length);
        System.arraycopy(key, from, buf, n, key.length - from);
        n += key.length - from;
    }

    /**
     * A JSON string as Jackson writes it: '"', '\\' and controls escaped, characters outside the
     * BMP as escaped surrogate pairs, the rest as UTF-8.
     */
    private void quoted(String s) {
        int len = s.length();
        ensure(len * 6 + 2);
        if (chars.length < len) chars = new char[Math.max(len, 2 * chars.length)];
        char[] cs = chars;
        s.getChars(0, len, cs, 0);
        byte[] b = buf;
        int o = n;
        b[o++] = '"';
        for (int i = 0; i < len; i++) {
            char c = cs[i];
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
                if (!Character.isHighSurrogate(c) || i + 1 >= len || !Character.isLowSurrogate(cs[i + 1]))
                    throw LoneSurrogate.INSTANCE;
                // Jackson writes a character outside the BMP as its two escaped surrogates
                o = escape(b, o, c);
                o = escape(b, o, cs[++i]);
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
