package dev.tern.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One header field exactly as it appears in the message (continuation lines included, final CRLF excluded).
 * Bytes are held as ISO-8859-1 characters, so 8-bit header text round-trips unchanged.
 *
 * @param raw  the field text, e.g. {@code "Subject: hello\r\n world"}
 * @param name the field name as written (before the colon, trailing whitespace removed)
 */
record HeaderField(String raw, String name) {

    /** Splits a header block (the bytes before the empty line) into fields. */
    static List<HeaderField> parseBlock(byte[] block, int length) {
        // each field's String is made straight from the bytes (ISO-8859-1: one char per byte)
        List<HeaderField> fields = new ArrayList<>();
        int start = 0;
        int pos = 0;
        int n = length;
        while (pos < n) {
            int crlf = indexOfCrlf(block, pos, n);
            int lineEnd = crlf < 0 ? n : crlf;
            int next = crlf < 0 ? n : crlf + 2;
            boolean continued = next < n && (block[next] == ' ' || block[next] == '\t');
            if (!continued) {
                if (lineEnd > start) {
                    fields.add(of(new String(block, start, lineEnd - start, StandardCharsets.ISO_8859_1)));
                }
                start = next;
            }
            pos = next;
        }
        return fields;
    }

    private static int indexOfCrlf(byte[] b, int from, int end) {
        for (int i = from; i + 1 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') return i;
        }
        return -1;
    }

    static HeaderField of(String raw) {
        int colon = raw.indexOf(':');
        String name = colon < 0 ? raw : raw.substring(0, colon);
        return new HeaderField(raw, stripWsp(name));
    }

    boolean hasName(String other) {
        return name.equalsIgnoreCase(other);
    }

    /** The text after the colon, unmodified. */
    String value() {
        int colon = raw.indexOf(':');
        return colon < 0 ? "" : raw.substring(colon + 1);
    }

    /** The canonical form of this field including the final CRLF (RFC 6376 section 3.4.1 / 3.4.2). */
    String canonical(Canonicalization c) {
        return canonical(raw, c) + "\r\n";
    }

    /** Appends the canonical form of this field, final CRLF included, as ISO-8859-1 bytes. */
    void canonicalTo(Canonicalization c, ByteSink out) {
        canonicalTo(raw, c, out);
        out.crlf();
    }

    /**
     * Appends the canonical form of a field's text without the final CRLF: the bytes of
     * {@link #canonical(String, Canonicalization)} in ISO-8859-1, without building Strings.
     */
    static void canonicalTo(CharSequence raw, Canonicalization c, ByteSink out) {
        if (c == Canonicalization.SIMPLE) {
            out.latin1(raw);
            return;
        }
        int colon = -1;
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == ':') {
                colon = i;
                break;
            }
        }
        int nameStart = 0;
        int nameEnd = colon < 0 ? raw.length() : colon;
        while (nameStart < nameEnd && isWsp(raw.charAt(nameStart))) nameStart++;
        while (nameEnd > nameStart && isWsp(raw.charAt(nameEnd - 1))) nameEnd--;
        for (int i = nameStart; i < nameEnd; i++) {
            char ch = raw.charAt(i);
            latin1(out, ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch);
        }
        out.write(':');
        boolean value = false;
        boolean wsp = false;
        for (int i = colon + 1; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch == '\r' || ch == '\n') {
                continue; // unfold
            }
            if (isWsp(ch)) {
                wsp = true;
            } else {
                if (wsp && value) {
                    out.write(' ');
                }
                wsp = false;
                latin1(out, ch);
                value = true;
            }
        }
    }

    private static boolean isWsp(char ch) {
        return ch == ' ' || ch == '\t';
    }

    private static void latin1(ByteSink out, char ch) {
        out.write(ch <= 0xFF ? ch : '?');
    }

    /** Canonical form of a field's text without the final CRLF. */
    static String canonical(String raw, Canonicalization c) {
        if (c == Canonicalization.SIMPLE) {
            return raw;
        }
        int colon = raw.indexOf(':');
        String name = asciiLower(stripWsp(colon < 0 ? raw : raw.substring(0, colon)));
        StringBuilder sb = new StringBuilder(raw.length());
        sb.append(name).append(':');
        int valueStart = sb.length();
        boolean wsp = false;
        for (int i = colon + 1; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch == '\r' || ch == '\n') {
                continue; // unfold
            }
            if (ch == ' ' || ch == '\t') {
                wsp = true;
            } else {
                if (wsp && sb.length() > valueStart) {
                    sb.append(' ');
                }
                wsp = false;
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    static String stripWsp(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
            b++;
        }
        while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
            e--;
        }
        return s.substring(b, e);
    }

    static String asciiLower(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, (char) (ch + 32));
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Picks the fields named by an {@code h=} list, RFC 6376 section 5.4.2: each occurrence of a name takes the
     * next instance from the bottom; names with no instance left contribute nothing (over-signing).
     */
    static List<HeaderField> select(List<HeaderField> fields, List<String> names) {
        List<HeaderField> out = new ArrayList<>(names.size());
        boolean[] used = new boolean[fields.size()];
        for (String name : names) {
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!used[i] && fields.get(i).hasName(name)) {
                    used[i] = true;
                    out.add(fields.get(i));
                    break;
                }
            }
        }
        return out;
    }
}
