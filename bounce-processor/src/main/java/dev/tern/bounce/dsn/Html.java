package dev.tern.bounce.dsn;

import java.util.regex.Pattern;

/** Crude HTML to text for bounces that only come as HTML. */
final class Html {
    private static final Pattern SCRIPT = Pattern.compile("(?is)<(script|style)[^>]*>.*?</\\1>");
    private static final Pattern BREAKS = Pattern.compile("(?i)<\\s*(br|/p|/div|/tr|/li|/h\\d|p|div|tr|li)\\b[^>]*>");
    private static final Pattern TAGS = Pattern.compile("<[^>]{0,2000}>");

    private Html() {
    }

    static String toText(String html) {
        String s = SCRIPT.matcher(html).replaceAll(" ");
        s = BREAKS.matcher(s).replaceAll("\n");
        s = TAGS.matcher(s).replaceAll(" ");
        return s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
