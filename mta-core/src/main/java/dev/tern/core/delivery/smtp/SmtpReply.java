package dev.tern.core.delivery.smtp;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One SMTP reply, possibly of several lines.
 *
 * @param code         the three-digit reply code
 * @param enhancedCode the RFC 3463 enhanced status code ("5.1.1"), or "" if the reply has none
 * @param lines        the text of each line, without the code, the separator and the enhanced code
 */
public record SmtpReply(int code, String enhancedCode, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

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
        String enhanced = "";
        if (!texts.isEmpty()) {
            String first = texts.get(0);
            int sp = first.indexOf(' ');
            String candidate = sp < 0 ? first : first.substring(0, sp);
            if (ENHANCED.matcher(candidate).matches() && candidate.charAt(0) == (char) ('0' + code / 100)) {
                enhanced = candidate;
            }
        }
        if (enhanced.isEmpty()) return new SmtpReply(code, "", texts);
        String prefix = enhanced;
        List<String> stripped = texts.stream()
                .map(t -> t.equals(prefix) ? "" : t.startsWith(prefix + " ") ? t.substring(prefix.length() + 1) : t)
                .toList();
        return new SmtpReply(code, enhanced, stripped);
    }

    /** The text of all lines joined with a space. */
    public String text() {
        return String.join(" ", lines);
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
        StringBuilder sb = new StringBuilder().append(code);
        if (!enhancedCode.isEmpty()) sb.append(' ').append(enhancedCode);
        String text = text();
        if (!text.isEmpty()) sb.append(' ').append(text);
        return sb.toString();
    }
}
