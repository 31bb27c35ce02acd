package dev.tern.core.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.events.EventLogReader;
import dev.tern.core.events.JsonLinesEventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Finds a message's event history in the event log: by Tern's queue id, by recipient address, or
 * by the RFC 5322 {@code Message-ID} (matched against any event field other than the queue id,
 * recipient and sender that holds it, with or without angle brackets; every later event of a
 * queue id found this way is part of the history). Bounded: reads at most the newest
 * {@code maxSegments} segments and {@code maxLines} lines, and keeps the newest {@code maxEvents}
 * matches.
 */
public final class EventHistory {
    /** What a query is matched against. */
    public enum By {
        /** Queue id if the text looks like one, else recipient or Message-ID. */
        ANY,
        QUEUE_ID,
        RECIPIENT,
        MESSAGE_ID
    }

    /**
     * A search's outcome.
     *
     * @param events    matching events, oldest first, each as field name → text
     * @param matched   how many events matched (may exceed {@code events.size()})
     * @param scanned   event lines read
     * @param truncated true when the bounds stopped the scan before the end of the log
     * @param queueIds  the queue ids seen among the matches
     */
    public record Result(
            List<Map<String, String>> events, long matched, long scanned, boolean truncated, List<String> queueIds) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9._\\-]{1,128}");
    private static final Set<String> NOT_MESSAGE_ID =
            Set.of("message_id", "recipient", "sender", "seq", "type", "time");

    private final JsonLinesEventLog log;
    private final int maxSegments;
    private final long maxLines;
    private final int maxEvents;

    public EventHistory(JsonLinesEventLog log, int maxSegments, long maxLines, int maxEvents) {
        this.log = log;
        this.maxSegments = maxSegments;
        this.maxLines = maxLines;
        this.maxEvents = maxEvents;
    }

    /** Defaults: the newest 8 segments, 2,000,000 lines, 500 events. */
    public EventHistory(JsonLinesEventLog log) {
        this(log, 8, 2_000_000, 500);
    }

    /** Whether text can be a queue id. */
    public static boolean looksLikeQueueId(String text) {
        return QUEUE_ID.matcher(text).matches();
    }

    /** Searches the log; {@code query} is stripped; blank finds nothing. */
    public Result search(String query, By by) throws IOException {
        String q = query == null ? "" : query.strip();
        if (q.isEmpty() || q.length() > 998) return new Result(List.of(), 0, 0, false, List.of());
        By kind = by;
        if (kind == By.ANY && looksLikeQueueId(q) && q.indexOf('@') < 0) kind = By.QUEUE_ID;
        String bare = bare(q);
        String lower = q.toLowerCase(Locale.ROOT);
        String bareLower = bare.toLowerCase(Locale.ROOT);
        boolean byRecipient = kind == By.RECIPIENT || (kind == By.ANY && !q.startsWith("<"));
        boolean byMessageId = kind == By.MESSAGE_ID || kind == By.ANY;
        Set<String> ids = new HashSet<>();
        Deque<Map<String, String>> kept = new ArrayDeque<>();
        long matched = 0, scanned = 0;
        boolean truncated = false;
        List<Long> segments = log.segments();
        long first = segments.get(Math.max(0, segments.size() - maxSegments));
        try (EventLogReader reader = new EventLogReader(log, first, 0)) {
            outer:
            while (true) {
                List<EventLogReader.Line> lines = reader.read(1024);
                if (lines.isEmpty()) break;
                for (EventLogReader.Line l : lines) {
                    if (scanned >= maxLines) {
                        truncated = true;
                        break outer;
                    }
                    scanned++;
                    String text = new String(l.json(), StandardCharsets.UTF_8);
                    String textLower = text.toLowerCase(Locale.ROOT);
                    if (!textLower.contains(bareLower) && !containsAny(text, ids)) continue;
                    JsonNode e = JSON.readTree(l.json());
                    String id = e.path("message_id").asText("");
                    boolean hit = switch (kind) {
                        case QUEUE_ID -> id.equals(q);
                        case RECIPIENT -> e.path("recipient").asText("").equalsIgnoreCase(q);
                        case MESSAGE_ID, ANY -> false;
                    };
                    if (!hit && byRecipient && kind == By.ANY)
                        hit = e.path("recipient")
                                .asText("")
                                .toLowerCase(Locale.ROOT)
                                .equals(lower);
                    if (!hit && byMessageId && carriesMessageId(e, bareLower)) {
                        hit = true;
                        if (!id.isEmpty()) ids.add(id);
                    }
                    if (!hit && !id.isEmpty() && ids.contains(id)) hit = true;
                    if (!hit) continue;
                    matched++;
                    kept.addLast(flatten(e));
                    if (kept.size() > maxEvents) kept.removeFirst();
                }
            }
        }
        Set<String> seen = new java.util.LinkedHashSet<>();
        for (Map<String, String> e : kept) {
            String id = e.get("message_id");
            if (id != null && !id.isEmpty()) seen.add(id);
        }
        return new Result(List.copyOf(kept), matched, scanned, truncated, List.copyOf(seen));
    }

    private static boolean carriesMessageId(JsonNode e, String bareLower) {
        if (bareLower.indexOf('@') < 0) return false;
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (NOT_MESSAGE_ID.contains(f.getKey()) || !f.getValue().isTextual()) continue;
            if (bare(f.getValue().asText()).toLowerCase(Locale.ROOT).equals(bareLower)) return true;
        }
        return false;
    }

    private static boolean containsAny(String text, Set<String> ids) {
        for (String id : ids) {
            if (text.contains(id)) return true;
        }
        return false;
    }

    private static String bare(String s) {
        String t = s.strip();
        if (t.length() >= 2 && t.startsWith("<") && t.endsWith(">")) t = t.substring(1, t.length() - 1);
        return t;
    }

    /** An event's fields as text (nested values as JSON), in name order, "seq" left out. */
    private static Map<String, String> flatten(JsonNode e) {
        Map<String, String> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("seq")) continue;
            JsonNode v = f.getValue();
            m.put(f.getKey(), v.isValueNode() ? v.asText() : v.toString());
        }
        return m;
    }
}
