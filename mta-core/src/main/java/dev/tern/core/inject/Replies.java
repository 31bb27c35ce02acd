package dev.tern.core.inject;

/**
 * Client text that goes into replies, headers and logs: only a short excerpt, with every byte that
 * is not printable ASCII (control bytes, NUL, DEL, non-ASCII) replaced by {@code ?}, so a client can
 * neither inject lines or terminal escapes nor make a reply or log line long.
 */
public final class Replies {
    /** Longest excerpt of client input quoted in a reply or a log line. */
    public static final int MAX_EXCERPT = 64;
    /** Longest EHLO/HELO name kept for the Received header. */
    public static final int MAX_HELO = 255;

    private Replies() {}

    /** {@code text} cleaned and cut to {@link #MAX_EXCERPT} characters ("..." marks a cut). */
    public static String excerpt(String text) {
        return clean(text, MAX_EXCERPT);
    }

    /** An EHLO/HELO argument as it may appear in a Received header or a log line. */
    public static String heloName(String text) {
        return clean(text, MAX_HELO);
    }

    /** {@code text} with non-printable characters replaced, at most {@code max} characters plus "...". */
    public static String clean(String text, int max) {
        if (text == null) return "";
        if (text.length() <= max && printable(text)) return text; // the common case: nothing to replace
        int n = Math.min(text.length(), max);
        StringBuilder b = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            b.append(c >= 0x21 && c <= 0x7e || c == ' ' ? c : '?');
        }
        if (text.length() > max) b.append("...");
        return b.toString();
    }

    private static boolean printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }
}
