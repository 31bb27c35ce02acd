package dev.tern.core.delivery.smtp;

import java.util.Locale;
import java.util.Map;

/**
 * What the transport needs to know about a message's bytes, decided once at injection and kept in
 * the envelope's attributes (key {@value #ATTRIBUTE}), so that delivery never scans a message again:
 * a 7-bit message, an 8-bit body with an ASCII header section (sent with {@code BODY=8BITMIME}), or
 * a header section with non-ASCII bytes (raw UTF-8 headers, RFC 6532: it needs {@code SMTPUTF8} on
 * every transaction, whatever the envelope addresses).
 */
public enum MessageContent {
    /** Every byte is 7-bit. */
    SEVEN_BIT,
    /** The body has 8-bit bytes; the header section is ASCII. */
    EIGHT_BIT,
    /** The header section has non-ASCII bytes (and so the message is 8-bit too). */
    UTF8_HEADERS;

    /** The envelope attribute holding {@link #wireName()}. */
    public static final String ATTRIBUTE = "content";

    /** The attribute value: {@code 7bit}, {@code 8bit}, {@code utf8-headers}. */
    public String wireName() {
        return switch (this) {
            case SEVEN_BIT -> "7bit";
            case EIGHT_BIT -> "8bit";
            case UTF8_HEADERS -> "utf8-headers";
        };
    }

    /** The message has 8-bit bytes anywhere. */
    public boolean eightBit() {
        return this != SEVEN_BIT;
    }

    /** The header section needs SMTPUTF8. */
    public boolean smtpUtf8() {
        return this == UTF8_HEADERS;
    }

    /** The value recorded in {@code attributes}, or null when none is (a message spooled before it was recorded). */
    public static MessageContent fromAttributes(Map<String, String> attributes) {
        String v = attributes.get(ATTRIBUTE);
        if (v == null) return null;
        for (MessageContent c : ALL) if (c.wireName().equals(v)) return c; // as recorded: no copy
        String lower = v.toLowerCase(Locale.ROOT);
        for (MessageContent c : ALL) if (c.wireName().equals(lower)) return c;
        return null;
    }

    private static final MessageContent[] ALL = values();

    /**
     * Scans a message once: {@code message[0, length)} is its start (the whole message, or the
     * header section and the first part of the body); {@code restEightBit} tells whether the rest
     * (a spooled tail) has 8-bit bytes. The header section ends at the first empty line.
     */
    public static MessageContent scan(byte[] message, int length, boolean restEightBit) {
        int headerEnd = headerEnd(message, length);
        if (ByteScan.anyHighBit(message, 0, headerEnd)) return UTF8_HEADERS;
        if (restEightBit) return EIGHT_BIT;
        return ByteScan.anyHighBit(message, headerEnd, length) ? EIGHT_BIT : SEVEN_BIT;
    }

    /** The index after the empty line ending the header section (LF or CRLF lines), or {@code length}. */
    static int headerEnd(byte[] m, int length) {
        if (length > 0 && (m[0] == '\n' || (m[0] == '\r' && length > 1 && m[1] == '\n'))) return 0;
        for (int i = 0; i + 1 < length; i++) {
            i = ByteScan.indexOf(m, i, length - 1, (byte) '\n');
            if (i < 0) break;
            if (m[i + 1] == '\n') return i + 2;
            if (m[i + 1] == '\r' && i + 2 < length && m[i + 2] == '\n') return i + 3;
        }
        return length;
    }
}
