package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code tern queues}: destinations, spool totals, and the largest domains, campaigns and tenants. */
@Command(
        name = "queues",
        description =
                "Show the queues: destinations (ready, connections, suspended), spool totals, top domains, campaigns and tenants.")
final class QueuesCommand extends ApiCommand {
    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode q = client.get("/api/v1/queues");
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
        Table dest = new Table("DESTINATION", "READY", "CONNECTIONS", "SUSPENDED");
        for (JsonNode d : q.get("destinations")) {
            dest.row(
                    d.get("key").asText(),
                    d.get("ready").asInt(),
                    d.get("connections").asInt(),
                    d.get("suspended").asBoolean() ? "yes" : "no");
        }
        if (dest.isEmpty()) out.println("no destination has been used yet");
        else dest.print(out);
        JsonNode holds = q.get("holds");
        if (holds != null && !holds.isEmpty()) {
            out.println();
            HoldsCommand.table(holds).print(out);
        }
        group(out, "DOMAIN", scan.get("by_domain"));
        group(out, "CAMPAIGN", scan.get("by_campaign"));
        group(out, "TENANT", scan.get("by_tenant"));
        if (scan.get("truncated").asBoolean())
            out.printf(
                    "%n(counts from the first %d entries of the spool)%n",
                    scan.get("scanned").asLong());
    }

    private static void group(PrintWriter out, String title, JsonNode groups) {
        if (groups.isEmpty()) return;
        Table t = new Table(title, "ENTRIES", "RECIPIENTS");
        for (JsonNode g : groups)
            t.row(
                    g.get("name").asText().isEmpty() ? "(none)" : g.get("name").asText(),
                    g.get("entries").asLong(),
                    g.get("recipients").asLong());
        out.println();
        t.print(out);
    }
}
