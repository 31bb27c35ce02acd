package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tern queues [--age] [--limit N]}: spool totals, one row per destination (what the
 * spool holds for it, ready, in flight, connections, holds, oldest, next attempt, deferrals,
 * last error), the holds, and the largest domains, campaigns and tenants; {@code --age} prints a
 * qshape-style table of queued entries by age instead.
 */
@Command(
        name = "queues",
        description = "Show the queues: per destination what the spool holds (QUEUED), READY in memory, IN FLIGHT,"
                + " connections (WAIT: not ready yet, waiting for banner/TLS), HELD, OLDEST message, NEXT attempt,"
                + " DEFERRED entries, LAST ERROR, the site's DOMAINS; then holds, top domains, campaigns and tenants.")
final class QueuesCommand extends ApiCommand {
    /** Widest destination key printed (longer keys are cut, "..." at the end). */
    static final int KEY_WIDTH = 40;

    private static final int ERROR_WIDTH = 60;

    @Option(names = "--age", description = "queued entries by age (qshape): destinations x age buckets")
    boolean age;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "25",
            description = "rows per table (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        if (limit < 1 || limit > 10_000) throw new AdminClient.Failure(0, "--limit must be between 1 and 10000");
        JsonNode q = client.get("/api/v1/queues?limit=" + limit + (age ? "&age=true" : ""));
        if (printedJson(q, out)) return;
        JsonNode t = q.get("totals");
        JsonNode scan = q.get("scan");
        out.printf(
                "spool: %d messages, %d entries, %s; in flight %d, ready %d, connections %d; oldest %s%n",
                t.get("messages").asLong(),
                t.get("entries").asLong(),
                Format.bytes(t.get("body_bytes").asLong()),
                t.get("in_flight").asInt(),
                t.get("ready").asInt(),
                t.get("connections").asInt(),
                Format.seconds(scan.get("oldest_age_seconds").asDouble()));
        out.println();
        JsonNode dests = q.get("destinations");
        if (dests.isEmpty()) out.println("no destination has mail or has been used yet");
        else if (age) ages(q, out);
        else destinations(dests, out);
        int total = q.get("destinations_total").asInt();
        if (total > dests.size()) out.printf("(%d of %d destinations; --limit N for more)%n", dests.size(), total);
        JsonNode holds = q.get("holds");
        if (holds != null && !holds.isEmpty()) {
            out.println();
            HoldsCommand.table(holds).print(out);
        }
        if (age) return;
        group(out, "DOMAIN", scan.get("by_domain"));
        group(out, "CAMPAIGN", scan.get("by_campaign"));
        group(out, "TENANT", scan.get("by_tenant"));
        if (scan.get("truncated").asBoolean())
            out.printf(
                    "%n(counts from the first %d entries of the spool)%n",
                    scan.get("scanned").asLong());
    }

    private static void destinations(JsonNode dests, PrintWriter out) {
        Instant now = Instant.now();
        Table dest = new Table(
                "DESTINATION",
                "QUEUED",
                "READY",
                "IN FLIGHT",
                "CONN",
                "WAIT",
                "HELD",
                "OLDEST",
                "NEXT",
                "DEFERRED",
                "LAST ERROR",
                "DOMAINS");
        for (JsonNode d : dests) {
            dest.row(
                    Table.truncate(d.get("key").asText(), KEY_WIDTH),
                    d.get("queued").asLong(),
                    d.get("ready").asInt(),
                    d.get("in_flight").asInt(),
                    d.get("connections").asInt(),
                    d.get("connecting").asInt(),
                    d.get("suspended").asBoolean() ? "yes" : "no",
                    d.hasNonNull("oldest_age_seconds")
                            ? Format.seconds(d.get("oldest_age_seconds").asDouble())
                            : "-",
                    next(d, now),
                    d.get("deferred_entries").asLong(),
                    d.hasNonNull("last_error")
                            ? Table.truncate(oneLine(d.get("last_error").asText()), ERROR_WIDTH)
                            : "-",
                    domains(d));
        }
        dest.print(out);
    }

    /** The domains of a destination's site: up to three, then "+N" for the rest ("-" when none is known). */
    static String domains(JsonNode d) {
        JsonNode list = d.get("domains");
        if (list == null || list.isEmpty()) return "-";
        List<String> names = new java.util.ArrayList<>();
        for (JsonNode n : list) if (names.size() < 3) names.add(n.asText());
        int total = d.path("domains_total").asInt(list.size());
        String shown = String.join(",", names);
        return total > names.size() ? shown + " +" + (total - names.size()) : shown;
    }

    /** When the next attempt is due: "now", "in 45s", or "-" (nothing scheduled). */
    private static String next(JsonNode d, Instant now) {
        Instant at = null;
        if (d.hasNonNull("next_attempt_at"))
            at = Instant.parse(d.get("next_attempt_at").asText());
        if (d.hasNonNull("held_down_until")) {
            Instant down = Instant.parse(d.get("held_down_until").asText());
            if (at == null || down.isAfter(at)) at = down;
        }
        if (at == null) return "-";
        long s = Duration.between(now, at).toSeconds();
        return s <= 0 ? "now" : "in " + Format.seconds(s);
    }

    private static void ages(JsonNode q, PrintWriter out) {
        JsonNode labels = q.get("age_buckets");
        String[] headers = new String[labels.size() + 2];
        headers[0] = "DESTINATION";
        headers[1] = "TOTAL";
        for (int i = 0; i < labels.size(); i++) headers[i + 2] = labels.get(i).asText();
        Table t = new Table(headers);
        for (JsonNode d : q.get("destinations")) {
            Object[] row = new Object[headers.length];
            row[0] = Table.truncate(d.get("key").asText(), KEY_WIDTH);
            row[1] = d.get("queued").asLong();
            for (int i = 0; i < labels.size(); i++)
                row[i + 2] = d.get("ages").get(i).asLong();
            t.row(row);
        }
        t.print(out);
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ");
    }

    private static void group(PrintWriter out, String title, JsonNode groups) {
        if (groups.isEmpty()) return;
        Table t = new Table(title, "ENTRIES", "RECIPIENTS");
        for (JsonNode g : groups)
            t.row(
                    g.get("name").asText().isEmpty()
                            ? "(none)"
                            : Table.truncate(g.get("name").asText(), KEY_WIDTH),
                    g.get("entries").asLong(),
                    g.get("recipients").asLong());
        out.println();
        t.print(out);
    }
}
