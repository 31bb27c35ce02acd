package dev.tern.bounce.dsn;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Joins the lines of a multi-line SMTP reply: {@code 550-5.7.1 a 550-5.7.1 b} becomes {@code 550-5.7.1 a b}. */
final class MultilineReplies {
    private static final Pattern PREFIX =
            Pattern.compile("(?<![\\w.])([245]\\d\\d)[ -]([245]\\.\\d{1,3}\\.\\d{1,3})?\\s?");

    private MultilineReplies() {}

    static String join(String text) {
        Matcher m = PREFIX.matcher(text);
        if (!m.find()) {
            return text;
        }
        String code = m.group(1);
        String status = m.group(2);
        String repeat = Pattern.quote(code) + "[ -]" + (status == null ? "" : Pattern.quote(status) + " ");
        String head = text.substring(0, m.end());
        String rest = text.substring(m.end()).replaceAll("(?<![\\w.])" + repeat, "");
        return head + rest;
    }
}
