package dev.tern.core.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The header section of a message as raw fields (folding kept byte for byte), so Tern can
 * read and remove its own {@code X-Tern-*} control headers without touching anything else.
 * Fields are offsets into the message buffer, which is not copied; it must not change while
 * the block is used.
 */
final class HeaderBlock {
    /** A header field: its name and where its raw bytes (CRLF included) are in the message. */
    record Field(String name, int start, int end) {
        int length() {
            return end - start;
        }
    }

    private final byte[] message;
    private final int length;
    private final List<Field> fields;
    private final int fieldsEnd;

    private HeaderBlock(byte[] message, int length, List<Field> fields, int fieldsEnd) {
        this.message = message;
        this.length = length;
        this.fields = fields;
        this.fieldsEnd = fieldsEnd;
    }

    /** Splits {@code message} into header fields and the rest (the blank line and the body). */
    static HeaderBlock parse(byte[] message) {
        return parse(message, message.length);
    }

    /** As {@link #parse(byte[])} for the message {@code message[0, length)}. */
    static HeaderBlock parse(byte[] message, int length) {
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        int n = length;
        while (pos < n) {
            // blank line ends the header section
            if (message[pos] == '\r' && pos + 1 < n && message[pos + 1] == '\n') break;
            if (message[pos] == '\n') break;
            int start = pos;
            int end = lineEnd(message, n, pos);
            // continuation lines start with SP or HTAB
            while (end < n && (message[end] == ' ' || message[end] == '\t')) end = lineEnd(message, n, end);
            int colon = -1;
            for (int i = start; i < end; i++) {
                if (message[i] == ':') {
                    colon = i;
                    break;
                }
                if (message[i] == '\r' || message[i] == '\n') break;
            }
            if (colon <= start) break; // not a header field: the header section ended without a blank line
            String name = new String(message, start, colon - start, StandardCharsets.US_ASCII).trim();
            fields.add(new Field(name, start, end));
            pos = end;
        }
        return new HeaderBlock(message, length, List.copyOf(fields), pos);
    }

    private static int lineEnd(byte[] m, int n, int from) {
        for (int i = from; i < n; i++) if (m[i] == '\n') return i + 1;
        return n;
    }

    List<Field> fields() {
        return fields;
    }

    /** A line break inside a field followed by the folding whitespace that continues it. */
    private static final Pattern FOLD = Pattern.compile("\r?\n[ \t]");

    /** The unfolded, trimmed value of a field. */
    String value(Field f) {
        String s = new String(message, f.start(), f.length(), StandardCharsets.UTF_8);
        String v = s.substring(s.indexOf(':') + 1);
        int lf = v.indexOf('\n');
        // only a folded field (a line feed before its last character) needs the pattern
        if (lf >= 0 && lf < v.length() - 1) v = FOLD.matcher(v).replaceAll(" ");
        return v.trim();
    }

    /** The first value of each header whose lower-cased name starts with {@code prefix}. */
    Map<String, String> valuesWithPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Field f : fields) {
            if (!startsWith(f.name(), prefix)) continue; // names are ASCII: the same as lower-casing first
            out.putIfAbsent(f.name().toLowerCase(Locale.ROOT), value(f));
        }
        return out;
    }

    String first(String name) {
        for (Field f : fields) if (f.name().equalsIgnoreCase(name)) return value(f);
        return null;
    }

    /** Drops the fields whose lower-cased name starts with {@code prefix}. */
    static java.util.function.Predicate<String> prefix(String prefix) {
        return name -> startsWith(name, prefix);
    }

    /**
     * Whether the lower-cased {@code name} starts with the lower-case ASCII {@code prefix}: for a
     * field name (ASCII, see {@link #parse}) {@code name.toLowerCase(Locale.ROOT).startsWith(prefix)}
     * without the lower-cased copy.
     */
    static boolean startsWith(String name, String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /** Length of the message without the fields whose lower-cased name starts with {@code dropPrefix}. */
    int lengthWithout(String dropPrefix) {
        return lengthWithout(prefix(dropPrefix));
    }

    /** Length of the message without the fields whose name {@code drop} matches. */
    int lengthWithout(java.util.function.Predicate<String> drop) {
        int n = length;
        for (Field f : fields) if (drop.test(f.name())) n -= f.length();
        return n;
    }

    /**
     * Copies the message without the fields whose lower-cased name starts with
     * {@code dropPrefix} into {@code dst} at {@code offset}: the other fields in order, then the
     * separator line and body unchanged. Copies {@link #lengthWithout} bytes.
     */
    void copyWithout(String dropPrefix, byte[] dst, int offset) {
        copyWithout(prefix(dropPrefix), dst, offset);
    }

    /** As {@link #copyWithout(String, byte[], int)} without the fields whose name {@code drop} matches. */
    void copyWithout(java.util.function.Predicate<String> drop, byte[] dst, int offset) {
        int out = offset;
        int runStart = 0; // kept fields next to each other are copied in one go
        for (Field f : fields) {
            if (!drop.test(f.name())) continue;
            System.arraycopy(message, runStart, dst, out, f.start() - runStart);
            out += f.start() - runStart;
            runStart = f.end();
        }
        System.arraycopy(message, runStart, dst, out, length - runStart);
    }

    /** As {@link #copyWithout} into a stream (a DKIM signing session): the kept runs, no copy. */
    void writeWithout(String dropPrefix, java.io.OutputStream out) throws java.io.IOException {
        java.util.function.Predicate<String> drop = prefix(dropPrefix);
        int runStart = 0;
        for (Field f : fields) {
            if (!drop.test(f.name())) continue;
            out.write(message, runStart, f.start() - runStart);
            runStart = f.end();
        }
        out.write(message, runStart, length - runStart);
    }

    /** How many fields are named {@code name} (any case). */
    int count(String name) {
        int n = 0;
        for (Field f : fields) if (f.name().equalsIgnoreCase(name)) n++;
        return n;
    }

    /**
     * The message without the dropped fields, with {@code prepend} first: one allocation of the
     * exact size.
     */
    byte[] rebuild(byte[] prepend, String dropPrefix) {
        byte[] out = new byte[prepend.length + lengthWithout(dropPrefix)];
        System.arraycopy(prepend, 0, out, 0, prepend.length);
        copyWithout(dropPrefix, out, prepend.length);
        return out;
    }

    /** Offset of the first byte after the header fields (the blank line, or the body). */
    int fieldsEnd() {
        return fieldsEnd;
    }
}
