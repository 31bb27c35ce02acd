package dev.tern.core.delivery.smtp;

import java.util.List;

/**
 * One SMTP reply, possibly of several lines.
 *
 * @param code         the three-digit reply code
 * @param enhancedCode the RFC 3463 enhanced status code ("5.1.1"), or "" if the reply has none
 * @param lines        the text of each line, without the code, the separator and the enhanced code
 */
public record SmtpReply(int code, String enhancedCode, List<String> lines) {
    public SmtpReply {
        if (code < 100 || code > 599) throw new IllegalArgumentException("bad reply code " + code);
        enhancedCode = enhancedCode == null ? "" : enhancedCode;
        lines = List.copyOf(lines);
    }

    /** A one-line reply, for replies made up locally ("552 5.3.4 ..." when the client refuses itself). */
    public static SmtpReply of(int code, String enhancedCode, String text) {
        return new SmtpReply(code, enhancedCode, List.of(text));
    }

    /**
     * Builds a reply from the text after "NNN-"/"NNN " of each line; an enhanced code at the start of
     * the first line whose class matches the reply code is taken out of every line that starts with it.
     */
    static SmtpReply parse(int code, List<String> texts) {
        if (texts.isEmpty()) return new SmtpReply(code, "", texts);
        String first = texts.get(0);
        int len = enhancedLength(first, (char) ('0' + code / 100));
        if (len == 0) return new SmtpReply(code, "", texts);
        String enhanced = first.substring(0, len);
        if (texts.size() == 1) return new SmtpReply(code, enhanced, List.of(strip(first, enhanced)));
        String[] stripped = new String[texts.size()];
        for (int i = 0; i < stripped.length; i++) stripped[i] = strip(texts.get(i), enhanced);
        return new SmtpReply(code, enhanced, List.of(stripped));
    }

    /**
     * The length of the enhanced status code ({@code [245].d{1,3}.d{1,3}} of class {@code klass})
     * that is the first word of {@code text} (followed by a space or the end), or 0.
     */
    private static int enhancedLength(String text, char klass) {
        int n = text.length();
        if (n < 5 || text.charAt(0) != klass || (klass != '2' && klass != '4' && klass != '5') || text.charAt(1) != '.')
            return 0;
        int i = digits(text, 2);
        if (i == 2 || i - 2 > 3 || i >= n || text.charAt(i) != '.') return 0;
        int j = digits(text, i + 1);
        if (j == i + 1 || j - i - 1 > 3 || (j < n && text.charAt(j) != ' ')) return 0;
        return j;
    }

    /** The end of the run of ASCII digits starting at {@code from}. */
    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i;
    }

    /** {@code text} without a leading {@code enhanced} code (the code alone, or followed by a space). */
    private static String strip(String text, String enhanced) {
        if (!text.startsWith(enhanced)) return text;
        int n = enhanced.length();
        if (text.length() == n) return "";
        return text.charAt(n) == ' ' ? text.substring(n + 1) : text;
    }

    /** The text of all lines joined with a space. */
    public String text() {
        return lines.size() == 1 ? lines.get(0) : String.join(" ", lines);
    }

    /** 2xx or 3xx. */
    public boolean positive() {
        return code < 400;
    }

    /** 4xx. */
    public boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    /** 5xx. */
    public boolean permanentFailure() {
        return code >= 500;
    }

    /** The reply on one line, e.g. "550 5.1.1 User unknown". */
    @Override
    public String toString() {
        String text = text(); // one exact-size concatenation, no builder
        if (enhancedCode.isEmpty()) return text.isEmpty() ? Integer.toString(code) : code + " " + text;
        return text.isEmpty() ? code + " " + enhancedCode : code + " " + enhancedCode + " " + text;
    }
}
