package dev.tern.dkim;

import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 6376 section 3.2 tag=value lists (signature fields and key records). */
final class TagList {
    private TagList() {}

    /** Thrown for a malformed list; the message says what is wrong. */
    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses a list; values keep inner whitespace, surrounding whitespace (FWS) is removed. Order is kept. */
    static Map<String, String> parse(String text) throws SyntaxException {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = trimFws(specs[i]);
            if (spec.isEmpty()) {
                if (i == specs.length - 1) {
                    break; // a trailing ';' is allowed
                }
                throw new SyntaxException("empty tag");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new SyntaxException("tag without '=': " + abbreviate(spec));
            }
            String name = trimFws(spec.substring(0, eq));
            if (!validName(name)) {
                throw new SyntaxException("invalid tag name '" + abbreviate(name) + "'");
            }
            if (tags.putIfAbsent(name, trimFws(spec.substring(eq + 1))) != null) {
                throw new SyntaxException("duplicate tag " + name + "=");
            }
        }
        return tags;
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !Character.isLetter(name.charAt(0)) || name.charAt(0) > 127) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_'))) {
                return false;
            }
        }
        return true;
    }

    static String trimFws(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isFws(s.charAt(b))) {
            b++;
        }
        while (e > b && isFws(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Removes all whitespace (for base64 values such as {@code b=} and {@code p=}). */
    static String stripAllFws(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isFws(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A signature field's raw text with the value of its {@code b=} tag removed (RFC 6376 section 3.7). */
    static String withEmptyB(String rawField) {
        int colon = rawField.indexOf(':');
        int segStart = colon + 1;
        while (segStart <= rawField.length()) {
            int segEnd = rawField.indexOf(';', segStart);
            if (segEnd < 0) {
                segEnd = rawField.length();
            }
            int eq = rawField.indexOf('=', segStart);
            if (eq >= 0
                    && eq < segEnd
                    && trimFws(rawField.substring(segStart, eq)).equals("b")) {
                return rawField.substring(0, eq + 1) + rawField.substring(segEnd);
            }
            segStart = segEnd + 1;
        }
        return rawField;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
