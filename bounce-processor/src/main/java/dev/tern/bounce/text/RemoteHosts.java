package dev.tern.bounce.text;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the remote host that gave a reply, from a Remote-MTA field or the wording of the report. Each
 * wording is found by its literal lead (an {@code indexOf}), and only there is a host name read, so the
 * time is linear in the text whatever it holds.
 */
public final class RemoteHosts {
    /** Most characters of a report searched for a host. */
    static final int MAX_SCAN = 16_384;

    private static final Pattern HOST = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}\\.){1,8}[a-z]{2,24}\\b");
    /** After a host: its address in brackets, an optional port, then a verb of replying. */
    private static final Pattern BRACKETED_SAID =
            Pattern.compile("\\[[0-9a-f.:]{2,45}\\](?::\\d{1,5})?:? (?:said|says|replied|rejected|returned)");
    /** Leads after which the host name follows at once. */
    private static final String[] LEADS = {
        "while talking to ",
        "remote host ",
        "remote server ",
        "remote mta ",
        "connected to ",
        "connecting to ",
        "delivery to host "
    };

    private RemoteHosts() {}

    /** The host named in a Remote-MTA value ({@code dns; mx.example.com}), or "". */
    public static String fromField(String typedValue) {
        if (typedValue == null) {
            return "";
        }
        String v = typedValue.trim().toLowerCase(Locale.ROOT);
        Matcher m = HOST.matcher(v);
        return m.lookingAt() ? m.group() : "";
    }

    /** The first host the (lower-case) text says replied, or "". */
    public static String fromText(String lowerText) {
        if (lowerText == null || lowerText.isEmpty()) {
            return "";
        }
        String text = lowerText.length() > MAX_SCAN ? lowerText.substring(0, MAX_SCAN) : lowerText;
        Matcher host = HOST.matcher(text);
        // Postfix "host mx.example.com[192.0.2.1] said:", Exim "host mx.example.com [192.0.2.1]:"
        for (int i = text.indexOf("host "); i >= 0; i = text.indexOf("host ", i + 5)) {
            if (i > 0 && Character.isLetterOrDigit(text.charAt(i - 1))) {
                continue;
            }
            String h = hostAt(host, text, i + 5);
            int end = i + 5 + h.length();
            if (!h.isEmpty() && end < text.length() && (text.charAt(end) == '[' || text.startsWith(" [", end))) {
                return h;
            }
        }
        // Sendmail "while talking to mx.example.com.:", qmail/Courier "remote host ...", "connected to ..."
        for (String lead : LEADS) {
            int i = text.indexOf(lead);
            if (i >= 0) {
                String h = hostAt(host, text, i + lead.length());
                if (!h.isEmpty()) {
                    return h;
                }
            }
        }
        // "mx.example.com [192.0.2.1] said:"
        Matcher said = BRACKETED_SAID.matcher(text);
        for (int i = text.indexOf('['); i > 0; i = text.indexOf('[', i + 1)) {
            said.region(i, text.length());
            if (!said.lookingAt()) {
                continue;
            }
            int end = text.charAt(i - 1) == ' ' ? i - 1 : i;
            int start = end;
            while (start > 0 && isHostChar(text.charAt(start - 1)) && end - start < 255) {
                start--;
            }
            String h = hostAt(host, text.substring(0, end), start);
            if (h.length() == end - start) {
                return h;
            }
        }
        return "";
    }

    private static boolean isHostChar(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.';
    }

    private static String hostAt(Matcher m, String text, int at) {
        if (at >= text.length()) {
            return "";
        }
        m.reset(text);
        m.region(at, Math.min(text.length(), at + 300));
        return m.lookingAt() ? m.group() : "";
    }
}
