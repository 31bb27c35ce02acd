package dev.tern.bounce.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads the field groups of a {@code message/delivery-status} body (or DSN-like fields in plain text). */
public final class DsnFields {
    private DsnFields() {}

    /** Per-recipient field groups: those holding a Final-Recipient or Original-Recipient field. */
    public static List<Map<String, String>> recipientGroups(String body) {
        List<Map<String, String>> groups = new ArrayList<>();
        // values are built up line by line: concatenating strings would copy a long folded field once per line
        Map<String, StringBuilder> current = new LinkedHashMap<>();
        String lastName = null;
        for (String line : body.split("\n", -1)) {
            if (line.isBlank()) {
                flush(current, groups);
                current = new LinkedHashMap<>();
                lastName = null;
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && lastName != null) {
                current.get(lastName).append(' ').append(line.trim());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.substring(0, colon).contains(" ")) {
                lastName = null;
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if ((name.equals("final-recipient") || name.equals("original-recipient")) && current.containsKey(name)) {
                flush(current, groups); // a new recipient without a blank line between
                current = new LinkedHashMap<>();
            }
            current.putIfAbsent(name, new StringBuilder(value));
            lastName = name;
        }
        flush(current, groups);
        return groups;
    }

    private static void flush(Map<String, StringBuilder> group, List<Map<String, String>> groups) {
        if (group.containsKey("final-recipient")
                || group.containsKey("original-recipient")
                || group.containsKey("x-actual-recipient")) {
            Map<String, String> fields = new LinkedHashMap<>();
            group.forEach((k, v) -> fields.put(k, v.toString()));
            groups.add(fields);
        }
    }

    /** The per-message fields (Reporting-MTA, Arrival-Date, ...): the first group without a recipient. */
    public static Map<String, String> messageFields(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                if (!out.isEmpty()) {
                    break;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith(" ")) {
                out.putIfAbsent(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    /** {@code rfc822; a@b} -> {@code a@b}; also strips angle brackets. */
    public static String typedValue(String v) {
        if (v == null) {
            return "";
        }
        int semi = v.indexOf(';');
        String s = semi >= 0 ? v.substring(semi + 1) : v;
        return s.trim();
    }

    /** The type part of a typed value, e.g. {@code smtp} of {@code smtp; 550 ...}, upper-cased, or "". */
    public static String typeOf(String v) {
        if (v == null) {
            return "";
        }
        int semi = v.indexOf(';');
        if (semi <= 0 || semi > 20) {
            return "";
        }
        return v.substring(0, semi).trim().toUpperCase(Locale.ROOT);
    }
}
