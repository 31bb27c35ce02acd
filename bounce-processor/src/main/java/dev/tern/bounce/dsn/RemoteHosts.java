package dev.tern.bounce.dsn;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the remote host that gave a reply, from a Remote-MTA field or the wording of the report. */
final class RemoteHosts {
    private static final String HOST = "([a-z0-9](?:[a-z0-9-]{0,62}\\.){1,8}[a-z]{2,24})";
    private static final Pattern[] STATED = {
        // Postfix: "host mx.example.com[192.0.2.1] said:"; Exim: "host mx.example.com [192.0.2.1]:"
        Pattern.compile("\\bhost " + HOST + " ?\\["),
        // Sendmail: "... while talking to mx.example.com.:"
        Pattern.compile("while talking to " + HOST + "\\.?:"),
        // qmail, Courier and others: "remote host mx.example.com said", "mx.example.com [192.0.2.1] said:"
        Pattern.compile("remote (?:host|server|mta) " + HOST),
        Pattern.compile(HOST + " ?\\[[0-9a-f.:]+\\](?::\\d+)? (?:said|says|replied|rejected|returned)"),
        Pattern.compile("(?:connected to|connecting to|delivery to host) " + HOST),
    };

    private RemoteHosts() {}

    /** The host named in a Remote-MTA value ({@code dns; mx.example.com}), or "". */
    static String fromField(String typedValue) {
        if (typedValue == null) {
            return "";
        }
        Matcher m = Pattern.compile("^" + HOST).matcher(typedValue.trim().toLowerCase(Locale.ROOT));
        return m.find() ? m.group(1) : "";
    }

    /** The first host the (lower-case) text says replied, or "". */
    static String fromText(String lowerText) {
        if (lowerText == null || lowerText.isEmpty()) {
            return "";
        }
        for (Pattern p : STATED) {
            Matcher m = p.matcher(lowerText);
            if (m.find()) {
                return m.group(1);
            }
        }
        return "";
    }
}
