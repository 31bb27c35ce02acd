package dev.tern.dkim;

/** RFC 6376 section 2.11 dkim-quoted-printable, as used by {@code i=}. */
final class QuotedPrintable {
    private QuotedPrintable() {}

    static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > ' ' && c < 127 && c != ';' && c != '=') {
                sb.append(c);
            } else {
                sb.append('=').append(String.format("%02X", (int) c & 0xff));
            }
        }
        return sb.toString();
    }

    /** Decodes {@code =XX} escapes (whitespace already removed); returns null if an escape is malformed. */
    static String decode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '=') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= s.length()) {
                return null;
            }
            int hi = Character.digit(s.charAt(i + 1), 16);
            int lo = Character.digit(s.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            sb.append((char) (hi * 16 + lo));
            i += 2;
        }
        return sb.toString();
    }
}
