package dev.tern.bounce.dsn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the failed recipients in the human-readable text of a non-standard bounce, and the text about each. */
final class TextRecipients {
    /** What may precede an address that opens a line listing a failed recipient. */
    private static final Pattern LEAD = Pattern.compile(
            "(?i)^[\\s>*\\-•:#|]*(?:(?:final-|original-)?recipient(?:\\(s\\))?(?: address)?:?|rcpt to:?|to:|for:?|address:?|addressed to:?|failed recipient:?|user|"
                    + "the following (?:recipient|address)(?:\\(es\\))?(?: failed)?:?|unable to deliver (?:message )?to|\\d+\\.|[\\w ]{0,30}:|"
                    + "[245]\\d\\d[ -](?:[245]\\.\\d{1,3}\\.\\d{1,3} )?)?[\\s<\"'(\\[]*$");
    private static final Pattern NOT_RECIPIENT = Pattern.compile(
            "(?i)(mail from:?\\s*<?$|from:?\\s*<?$|envelope-from\\s*<?$|sender:?\\s*<?$|generated from\\s*$|reply-to:?\\s*<?$|mailto:$|https?://\\S*$|return-path:?\\s*<?$)");
    private static final int MAX_SEGMENT_LINES = 25;

    private TextRecipients() {
    }

    /** Recipient addresses, in order of first mention, excluding the sender's own addresses. */
    static List<String> find(String text, java.util.Set<String> senders) {
        List<String> leading = new ArrayList<>();
        List<String> any = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = Addresses.ADDRESS.matcher(line);
            while (m.find()) {
                String address = Addresses.clean(m.group());
                String key = Addresses.key(address);
                if (senders.contains(key) || Addresses.isSystemAddress(address)) {
                    continue;
                }
                String before = line.substring(0, m.start());
                if (NOT_RECIPIENT.matcher(before).find()) {
                    continue;
                }
                if (LEAD.matcher(before).matches()) {
                    addOnce(leading, address);
                }
                addOnce(any, address);
            }
        }
        return leading.isEmpty() ? any : leading;
    }

    private static void addOnce(List<String> list, String address) {
        for (String a : list) {
            if (a.equalsIgnoreCase(address)) {
                return;
            }
        }
        list.add(address);
    }

    /**
     * For each address (lower-case key): the lines about it, i.e. from each line that mentions it to the
     * line before the next line that mentions another of the addresses (at most a few lines each).
     */
    static Map<String, String> segments(String text, List<String> addresses) {
        Map<String, String> out = new LinkedHashMap<>();
        if (addresses.isEmpty()) {
            return out;
        }
        String[] lines = text.split("\n");
        String[] lower = new String[lines.length];
        for (int i = 0; i < lines.length; i++) {
            lower[i] = lines[i].toLowerCase(Locale.ROOT);
        }
        List<String> keys = new ArrayList<>();
        for (String a : addresses) {
            keys.add(Addresses.key(a));
        }
        for (String key : keys) {
            if (key.isEmpty()) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (i < lines.length) {
                if (!lower[i].contains(key)) {
                    i++;
                    continue;
                }
                int j = i;
                sb.append(lines[j]).append('\n');
                j++;
                while (j < lines.length && j - i < MAX_SEGMENT_LINES && !mentionsOther(lower[j], key, keys)) {
                    if (lines[j].isBlank() && j + 1 < lines.length && lines[j + 1].isBlank()) {
                        break;
                    }
                    sb.append(lines[j]).append('\n');
                    j++;
                }
                i = j;
            }
            out.put(key, sb.toString().trim());
        }
        return out;
    }

    private static boolean mentionsOther(String line, String key, List<String> keys) {
        for (String k : keys) {
            if (!k.equals(key) && !k.isEmpty() && line.contains(k)) {
                return !line.contains(key);
            }
        }
        return false;
    }
}
