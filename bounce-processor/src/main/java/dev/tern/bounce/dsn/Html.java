package dev.tern.bounce.dsn;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Crude HTML to text for bounces that only come as HTML. It does what the regular expressions
 * {@code (?is)<(script|style)[^>]*>.*?</\1>}, {@code (?i)<\s*(br|/p|...)\b[^>]*>} and {@code <[^>]{0,2000}>}
 * replaced, with the same matches, but in time linear in the input: those expressions scanned to the next
 * {@code >} (or closing tag) again from every unclosed {@code <}, quadratic for text full of {@code <}.
 */
final class Html {
    private static final Pattern SCRIPT_OPEN = Pattern.compile("(?i)<(script|style)");
    private static final Pattern SCRIPT_CLOSE = Pattern.compile("(?i)</script>");
    private static final Pattern STYLE_CLOSE = Pattern.compile("(?i)</style>");
    private static final Pattern BREAK = Pattern.compile("(?i)<\\s*(br|/p|/div|/tr|/li|/h\\d|p|div|tr|li)\\b");
    private static final int MAX_TAG = 2000;

    private Html() {}

    static String toText(String html) {
        String s = dropScripts(html);
        s = replaceTags(s, BREAK, "\n");
        s = dropTags(s);
        return s.replace("&nbsp;", " ")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    /** Each {@code <script ...>...</script>} (or style), up to the first closing tag, becomes a space. */
    private static String dropScripts(String s) {
        StringBuilder out = new StringBuilder();
        Matcher open = SCRIPT_OPEN.matcher(s);
        boolean[] unclosed = new boolean[2]; // no closing tag after some opening: none after a later one either
        int copied = 0;
        int from = 0;
        int gt = -1;
        while (from < s.length() && open.find(from)) {
            if (gt < open.end()) {
                gt = s.indexOf('>', open.end());
                if (gt < 0) {
                    break;
                }
            }
            int kind = open.group(1).equalsIgnoreCase("script") ? 0 : 1;
            Matcher close = (kind == 0 ? SCRIPT_CLOSE : STYLE_CLOSE).matcher(s);
            if (unclosed[kind] || !close.find(gt + 1)) {
                unclosed[kind] = true;
                from = open.start() + 1;
                continue;
            }
            out.append(s, copied, open.start()).append(' ');
            copied = close.end();
            from = copied;
        }
        return copied == 0 ? s : out.append(s, copied, s.length()).toString();
    }

    /** Each match of {@code head} and the rest of its tag, up to the next {@code >}, becomes {@code replacement}. */
    private static String replaceTags(String s, Pattern head, String replacement) {
        StringBuilder out = new StringBuilder();
        Matcher m = head.matcher(s);
        int copied = 0;
        int from = 0;
        while (from < s.length() && m.find(from)) {
            int gt = s.indexOf('>', m.end());
            if (gt < 0) {
                break;
            }
            out.append(s, copied, m.start()).append(replacement);
            copied = gt + 1;
            from = copied;
        }
        return copied == 0 ? s : out.append(s, copied, s.length()).toString();
    }

    /** Each {@code <} with a {@code >} at most {@value #MAX_TAG} characters later, and what is between, becomes a space. */
    private static String dropTags(String s) {
        StringBuilder out = new StringBuilder();
        int copied = 0;
        int gt = -1;
        for (int lt = s.indexOf('<'); lt >= 0; ) {
            if (gt <= lt) {
                gt = s.indexOf('>', lt + 1);
                if (gt < 0) {
                    break;
                }
            }
            if (gt - lt - 1 <= MAX_TAG) {
                out.append(s, copied, lt).append(' ');
                copied = gt + 1;
                lt = s.indexOf('<', copied);
            } else {
                lt = s.indexOf('<', lt + 1);
            }
        }
        return copied == 0 ? s : out.append(s, copied, s.length()).toString();
    }
}
