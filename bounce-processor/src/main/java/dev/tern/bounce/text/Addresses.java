package dev.tern.bounce.text;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finding and normalizing e-mail addresses in free text. */
public final class Addresses {
    /**
     * An address. A match starts only where the previous character cannot start one (or where the last
     * match ended, {@code \G}): the leftmost match is the same, but a long run of address characters
     * without an {@code @} is scanned once instead of once from each of its characters (quadratic).
     */
    public static final Pattern ADDRESS = Pattern.compile(
            // a match starts where a run of local-part characters starts (or where the last one
            // ended): not after a '.' inside a run, since every start inside a run reaches the same
            // '@' (or none) and re-scanning from each one was quadratic ("5.1.5.1.5.1...")
            "(?:(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-])(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]\\.)|\\G)"
                    + "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]*+@[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)+");

    private Addresses() {}

    /** The first address in {@code text}, cleaned, or null. */
    public static String first(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = ADDRESS.matcher(text);
        return m.find() ? clean(m.group()) : null;
    }

    /** Strips quoting punctuation around an address and trailing dots. */
    public static String clean(String address) {
        String a = address.trim();
        while (!a.isEmpty() && "<>\"'([.:;,".indexOf(a.charAt(0)) >= 0) {
            a = a.substring(1);
        }
        while (!a.isEmpty() && ">\"')].:;,".indexOf(a.charAt(a.length() - 1)) >= 0) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }

    /** Lower-cased form for comparisons. */
    public static String key(String address) {
        return address == null ? "" : address.toLowerCase(Locale.ROOT);
    }

    /** The lower-case domain of an address, or "" when it has none. */
    public static String domain(String address) {
        if (address == null) {
            return "";
        }
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** True for the addresses of mail systems that send bounces rather than receive mail. */
    public static boolean isSystemAddress(String address) {
        String local = key(address);
        int at = local.indexOf('@');
        if (at > 0) {
            local = local.substring(0, at);
        }
        return local.equals("mailer-daemon")
                || local.equals("mailerdaemon")
                || local.equals("mail-daemon")
                || local.equals("bounce")
                || local.equals("bounces")
                || local.equals("no-reply")
                || local.equals("noreply")
                || local.equals("mailer");
    }
}
