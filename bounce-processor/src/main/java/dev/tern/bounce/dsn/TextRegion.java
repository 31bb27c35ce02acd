package dev.tern.bounce.dsn;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Separates the human-readable error report of a bounce from the copy of the original message. */
final class TextRegion {
    private static final Pattern ORIGINAL_MARKER = Pattern.compile(
            // the prefix stays on its line and never gives back (possessive): a run of blank lines or
            // of dashes used to be re-scanned from every line start (quadratic on hostile bounces);
            // the dash and star separators it swallows are checked behind it instead
            "(?im)^[\\-=*_>|\\s&&[^\\n]]*+("
                    + "this is a copy of the (original )?message"
                    + "|(the )?original message (follows|was(?! received)|is attached|headers? follows?)"
                    + "|(?<=-|- )original message ?-+"
                    + "|below this line is a copy of the message"
                    + "|a copy of the original message( below)?"
                    + "|unsent message below"
                    + "|(the )?(first|following) .{0,40}(lines?|text|headers?) of (the|your) (original )?message"
                    + "|(your|the) message (reads|follows|headers follow)"
                    + "|the header(s)? of (the|your) (original )?message"
                    + "|message text follows"
                    + "|returned message"
                    + "|undelivered message"
                    + "|original text follows"
                    + "|content-type: (message/rfc822|text/rfc822-headers)"
                    + "|(?<=---|--- )(start|begin) of (returned|original|forwarded) message"
                    + "|(?<=\\*\\*\\*|\\*\\*\\* )original message"
                    + ").*$");
    private static final Pattern HEADER_BLOCK = Pattern.compile(
            "(?m)^(Return-Path|Received|Message-I[dD]|From|Subject|To|Date|X-[A-Za-z\\-]+|DKIM-Signature|MIME-Version): .*\\n(?:(?:[ \\t].*|[A-Za-z][A-Za-z0-9\\-]*: .*)\\n){2,}");

    private TextRegion() {}

    /** The error report part of {@code text}: what precedes the copy of the original message. */
    static String errorPart(String text) {
        int cut = text.length();
        Matcher m = ORIGINAL_MARKER.matcher(text);
        while (m.find()) {
            if (m.start() > 0) { // a marker on the very first line is a heading, not a separator
                cut = m.start();
                break;
            }
        }
        Matcher h = HEADER_BLOCK.matcher(text);
        if (h.find() && h.start() > 0 && h.start() < cut) {
            // an embedded header block (Received:/From:/Subject:...) starts the original message
            String block = h.group();
            if (block.contains("Received:")
                    || block.contains("Message-I")
                    || block.contains("Return-Path:")
                    || block.contains("Subject:")) {
                cut = h.start();
            }
        }
        return text.substring(0, cut);
    }

    /** The copy of the original message inside {@code text} (after the marker), or "". */
    static String originalPart(String text) {
        Matcher m = ORIGINAL_MARKER.matcher(text);
        while (m.find()) {
            if (m.start() > 0) {
                int next = text.indexOf('\n', m.end());
                return next < 0 ? "" : text.substring(next + 1);
            }
        }
        Matcher h = HEADER_BLOCK.matcher(text);
        if (h.find() && h.start() > 0) {
            return text.substring(h.start());
        }
        return "";
    }
}
