package dev.tern.bounce.classify;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SMTP reply to classify.
 *
 * @param code           basic reply code (e.g. 550), or 0 when unknown
 * @param enhancedStatus RFC 3463 enhanced status (e.g. {@code 5.1.1}), or null
 * @param text           reply text (may contain the codes again), never null
 * @param command        the SMTP command it answered ({@code CONN}, {@code HELO}, {@code EHLO},
 *                       {@code MAIL}, {@code RCPT}, {@code DATA}, ...), or null when unknown
 * @param remoteHost     the host that gave the reply (lower case), or "" when unknown; provider
 *                       rules look at it
 */
public record SmtpReply(int code, String enhancedStatus, String text, String command, String remoteHost) {
    private static final Pattern REPLY_CODE =
            Pattern.compile("(?<![\\d.\\-:#/\\w])([245]\\d\\d)(?![\\d.])(?:[ \\-:]|$)");
    private static final Pattern STATUS =
            Pattern.compile("(?<![\\d.\\w])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d]|\\.\\d)");

    public SmtpReply {
        text = text == null ? "" : text;
        enhancedStatus = enhancedStatus == null || enhancedStatus.isBlank() ? null : enhancedStatus.trim();
        command = command == null || command.isBlank() ? null : command.trim().toUpperCase(Locale.ROOT);
        remoteHost = remoteHost == null ? "" : remoteHost.trim().toLowerCase(Locale.ROOT);
    }

    /** A reply from an unknown host. */
    public SmtpReply(int code, String enhancedStatus, String text, String command) {
        this(code, enhancedStatus, text, command, "");
    }

    /** A reply whose code and enhanced status are read from its text, e.g. {@code "550 5.1.1 User unknown"}. */
    public static SmtpReply parse(String text, String command) {
        String t = text == null ? "" : text;
        return new SmtpReply(findReplyCode(t), findStatus(t), t, command);
    }

    /** True when the reply or its enhanced status is transient (4xx / 4.x.x). */
    public boolean temporary() {
        if (enhancedStatus != null) {
            return enhancedStatus.startsWith("4");
        }
        return code >= 400 && code < 500;
    }

    /** The first plausible basic reply code (2xx-5xx) in {@code text}, or 0. */
    public static int findReplyCode(String text) {
        if (text == null) {
            return 0;
        }
        Matcher m = REPLY_CODE.matcher(text);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The first plausible failure (4.x.x / 5.x.x) enhanced status code in {@code text}, else the first
     * one of any class, or null: a transcript shows the successes before the failure it reports.
     */
    public static String findFailureStatus(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = STATUS.matcher(text);
        String first = null;
        while (m.find()) {
            int subject = Integer.parseInt(m.group(2));
            int detail = Integer.parseInt(m.group(3));
            if (subject <= 7 && detail <= 999) {
                String s = m.group(1) + "." + subject + "." + detail;
                if (s.charAt(0) != '2') {
                    return s;
                }
                first = first == null ? s : first;
            }
        }
        return first;
    }

    /** The first plausible failure (4xx / 5xx) reply code in {@code text}, else the first of any class, or 0. */
    public static int findFailureCode(String text) {
        if (text == null) {
            return 0;
        }
        Matcher m = REPLY_CODE.matcher(text);
        int first = 0;
        while (m.find()) {
            int code = Integer.parseInt(m.group(1));
            if (code >= 400) {
                return code;
            }
            first = first == 0 ? code : first;
        }
        return first;
    }

    /** The first plausible enhanced status code in {@code text}, or null (IP addresses are skipped). */
    public static String findStatus(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = STATUS.matcher(text);
        while (m.find()) {
            int subject = Integer.parseInt(m.group(2));
            int detail = Integer.parseInt(m.group(3));
            if (subject <= 7 && detail <= 999) {
                return m.group(1) + "." + subject + "." + detail;
            }
        }
        return null;
    }
}
