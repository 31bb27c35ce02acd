package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import dev.tern.bounce.text.Addresses;
import dev.tern.bounce.text.DsnFields;
import dev.tern.bounce.text.RemoteHosts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers the decoders share: RFC 3464 field groups, fixed-message tables, text lines. */
final class Facts {
    private static final Pattern STATUS = Pattern.compile("\\b[245]\\.\\d{1,3}\\.\\d{1,3}\\b");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Facts() {}

    /** The recipients of RFC 3464 field groups in {@code text} (a delivery-status part or DSN-like lines). */
    static List<Decoded> dsnRecipients(String text) {
        List<Decoded> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (Map<String, String> g : DsnFields.recipientGroups(text)) {
            String address = null;
            for (String f : new String[] {"final-recipient", "original-recipient", "x-actual-recipient"}) {
                address = Addresses.first(DsnFields.typedValue(g.get(f)));
                if (address != null) {
                    break;
                }
            }
            if (address == null) {
                continue;
            }
            String diagField = g.getOrDefault("diagnostic-code", "");
            out.add(new Decoded(
                    address,
                    g.getOrDefault("action", "").trim().toLowerCase(Locale.ROOT),
                    firstStatus(g.get("status")),
                    DsnFields.typedValue(diagField),
                    null,
                    RemoteHosts.fromField(DsnFields.typedValue(g.getOrDefault("remote-mta", ""))),
                    DsnFields.typeOf(diagField),
                    null));
        }
        return out;
    }

    /** The first enhanced status code in {@code s}, or null. */
    static String firstStatus(String s) {
        if (s == null) {
            return null;
        }
        Matcher m = STATUS.matcher(s);
        return m.find() ? m.group() : null;
    }

    /** Whitespace collapsed and trimmed. */
    static String sweep(String s) {
        return s == null ? "" : SPACES.matcher(s).replaceAll(" ").strip();
    }

    /** The reason whose fixed messages {@code text} contains (case-insensitive), or null. */
    static Reason messageReason(String text, Map<Reason, List<String>> table) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (Map.Entry<Reason, List<String>> e : table.entrySet()) {
            for (String m : e.getValue()) {
                if (lower.contains(m)) {
                    return e.getKey();
                }
            }
        }
        return null;
    }

    /** An ordered table built from pairs (reason, lower-case messages...). */
    static Map<Reason, List<String>> table(Object... pairs) {
        Map<Reason, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> msgs = (List<String>) pairs[i + 1];
            out.put((Reason) pairs[i], msgs);
        }
        return out;
    }

    /** The DSN group for {@code address} among {@code dsn} (same address, case-insensitive), or null. */
    static Decoded forAddress(List<Decoded> dsn, String address) {
        for (Decoded d : dsn) {
            if (d.recipient().equalsIgnoreCase(address)) {
                return d;
            }
        }
        return null;
    }

    /** {@code a} unless blank, else {@code b}. */
    static String or(String a, String b) {
        return a == null || a.isBlank() ? b : a;
    }

    /** The lines of {@code text} (any line ending). */
    static String[] lines(String text) {
        return text.split("\r?\n|\r", -1);
    }
}
