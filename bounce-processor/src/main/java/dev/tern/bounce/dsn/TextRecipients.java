package dev.tern.bounce.dsn;

import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the failed recipients in the human-readable text of a non-standard bounce, and the text about each. */
final class TextRecipients {
    /** What may precede an address that opens a line listing a failed recipient. */
    private static final Pattern LEAD = Pattern.compile(
            "(?i)^[\\s>*\\-•:#|]*+(?:(?:final-|original-)?recipient(?:\\(s\\))?(?: address)?:?|rcpt to:?|to:|for:?|address:?|addressed to:?|failed recipient:?|user|"
                    + "the following (?:recipient|address)(?:\\(es\\))?(?: failed)?:?|unable to deliver (?:message )?to|\\d+\\.|[\\w ]{0,30}:|"
                    + "[245]\\d\\d[ -](?:[245]\\.\\d{1,3}\\.\\d{1,3} )?)?[\\s<\"'(\\[]*$");

    private static final Pattern URL_START = Pattern.compile("(?i)https?://");
    private static final String[] SENDER_WORDS = {"from", "sender", "reply-to", "return-path"};
    private static final int MAX_SEGMENT_LINES = 25;
    /** Longest text kept about one recipient: a line that names every recipient must not be copied per recipient. */
    static final int MAX_SEGMENT_CHARS = 8192;

    private TextRecipients() {}

    /** Recipient addresses, in order of first mention, excluding the sender's own addresses. */
    static List<String> find(String text, java.util.Set<String> senders) {
        List<String> leading = new ArrayList<>();
        List<String> any = new ArrayList<>();
        Set<String> leadingKeys = new HashSet<>();
        Set<String> anyKeys = new HashSet<>();
        for (String line : text.split("\n")) {
            Matcher m = Addresses.ADDRESS.matcher(line);
            int firstAt = line.indexOf('@');
            Before before = null;
            while (m.find()) {
                String address = Addresses.clean(m.group());
                String key = Addresses.key(address);
                if (senders.contains(key) || Addresses.isSystemAddress(address)) {
                    continue;
                }
                before = before == null ? new Before(line) : before;
                if (before.namesNonRecipient(m.start())) {
                    continue;
                }
                // LEAD cannot match text holding an '@', so only the line's first address is tried
                if (firstAt >= m.start()
                        && LEAD.matcher(line.substring(0, m.start())).matches()
                        && leadingKeys.add(key)) {
                    leading.add(address);
                }
                if (anyKeys.add(key)) {
                    any.add(address);
                }
            }
        }
        return leading.isEmpty() ? any : leading;
    }

    /**
     * What precedes the addresses of one line, read left to right once: whether the text before an address
     * ends like {@code from:}, {@code sender}, {@code reply-to}, {@code return-path} (each with an optional
     * colon, then spaces and an optional {@code <}), {@code mailto:}, or is inside an {@code http(s)://} link.
     * That is what {@code (?i)(from:?\s*<?$|sender:?\s*<?$|...|https?://\S*$)} found in the text before each
     * address, which took time proportional to the line for every address on it.
     */
    static final class Before {
        private final String line;
        private final int[] urlStarts;
        private final int[] urlEnds;
        private int scanned;
        private int lastSpace = -1;
        private int nextUrl;
        private int lastUrl = -1;

        Before(String line) {
            this.line = line;
            List<int[]> urls = new ArrayList<>();
            Matcher u = URL_START.matcher(line);
            while (u.find()) {
                urls.add(new int[] {u.start(), u.end()});
            }
            urlStarts = urls.stream().mapToInt(x -> x[0]).toArray();
            urlEnds = urls.stream().mapToInt(x -> x[1]).toArray();
        }

        /** For {@code position}s in increasing order: whether the text before it names a sender or a link. */
        boolean namesNonRecipient(int position) {
            // $ also matches before a line terminator that ends the text
            int beforeTerminator =
                    position >= 2 && line.charAt(position - 2) == '\r' && line.charAt(position - 1) == '\n'
                            ? position - 2
                            : position >= 1
                                            && isTerminator(line.charAt(position - 1))
                                            && !(line.charAt(position - 1) == '\n'
                                                    && position >= 2
                                                    && line.charAt(position - 2) == '\r')
                                    ? position - 1
                                    : -1;
            return beforeTerminator >= 0 && endsLikeNonRecipient(beforeTerminator) || endsLikeNonRecipient(position);
        }

        private static boolean isTerminator(char c) {
            return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
        }

        private boolean endsLikeNonRecipient(int position) {
            for (; scanned < position; scanned++) {
                if (isSpace(line.charAt(scanned))) {
                    lastSpace = scanned;
                }
            }
            while (nextUrl < urlEnds.length && urlEnds[nextUrl] <= position) {
                lastUrl = urlStarts[nextUrl++];
            }
            if (lastUrl > lastSpace || endsWith(position, "mailto:")) {
                return true;
            }
            int end = position;
            if (end > 0 && line.charAt(end - 1) == '<') {
                end--;
            }
            while (end > 0 && isSpace(line.charAt(end - 1))) {
                end--;
            }
            for (String w : SENDER_WORDS) {
                if (endsWith(end, w) || end > 0 && line.charAt(end - 1) == ':' && endsWith(end - 1, w)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code line[0, end)} ends with {@code lowerWord}, ignoring ASCII case (as {@code (?i)} does). */
        private boolean endsWith(int end, String lowerWord) {
            int start = end - lowerWord.length();
            if (start < 0) {
                return false;
            }
            for (int i = 0; i < lowerWord.length(); i++) {
                char c = line.charAt(start + i);
                if (c >= 'A' && c <= 'Z') {
                    c = (char) (c + 32);
                }
                if (c != lowerWord.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** {@code \s} of {@link Pattern}: space, tab, line feed, vertical tab, form feed, carriage return. */
        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
        }
    }

    /**
     * For each address (lower-case key): the lines about it, i.e. from each line that mentions it to the
     * line before the next line that mentions another of the addresses (at most a few lines and
     * {@link #MAX_SEGMENT_CHARS} characters each).
     */
    static Map<String, String> segments(String text, List<String> addresses) {
        Map<String, String> out = new LinkedHashMap<>();
        if (addresses.isEmpty()) {
            return out;
        }
        String[] lines = text.split("\n");
        Set<String> distinct = new LinkedHashSet<>();
        for (String a : addresses) {
            String key = Addresses.key(a);
            if (!key.isEmpty()) {
                distinct.add(key);
            }
        }
        List<String> keys = List.copyOf(distinct);
        // which keys each line mentions, found once per line and key
        BitSet[] mentions = new BitSet[lines.length];
        for (int i = 0; i < lines.length; i++) {
            String lower = lines[i].toLowerCase(Locale.ROOT);
            mentions[i] = new BitSet(keys.size());
            for (int k = 0; k < keys.size(); k++) {
                if (lower.contains(keys.get(k))) {
                    mentions[i].set(k);
                }
            }
        }
        for (int k = 0; k < keys.size(); k++) {
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (i < lines.length && sb.length() < MAX_SEGMENT_CHARS) {
                if (!mentions[i].get(k)) {
                    i++;
                    continue;
                }
                int j = i;
                sb.append(lines[j]).append('\n');
                j++;
                // a line mentioning other addresses but not this one starts another recipient's text
                while (j < lines.length
                        && j - i < MAX_SEGMENT_LINES
                        && sb.length() < MAX_SEGMENT_CHARS
                        && (mentions[j].get(k) || mentions[j].isEmpty())) {
                    if (lines[j].isBlank() && j + 1 < lines.length && lines[j + 1].isBlank()) {
                        break;
                    }
                    sb.append(lines[j]).append('\n');
                    j++;
                }
                i = j;
            }
            if (sb.length() > MAX_SEGMENT_CHARS) {
                sb.setLength(MAX_SEGMENT_CHARS);
            }
            out.put(keys.get(k), sb.toString().trim());
        }
        return out;
    }
}
