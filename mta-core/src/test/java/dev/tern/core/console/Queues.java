package dev.tern.core.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads what is suspended from a {@code GET /api/v1/queues} answer (older and newer shapes). */
final class Queues {
    private Queues() {}

    /** Suspended sites: destinations marked suspended, site holds, or the older suspended.sites list. */
    static List<String> suspendedSites(JsonNode q) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : q.path("destinations")) {
            if (d.path("suspended").asBoolean(false)) out.add(d.path("key").asText());
        }
        for (JsonNode h : q.path("holds")) {
            String t = h.path("target").asText();
            if (t.startsWith("site:")) out.add(t.substring("site:".length()));
        }
        for (JsonNode s : q.path("suspended").path("sites")) out.add(s.asText());
        return out;
    }

    /** Every held or suspended target as text ("domain:x", "campaign:y", ...), whatever the shape. */
    static String holdsText(JsonNode q) {
        return q.path("holds").toString() + q.path("suspended").toString();
    }
}
