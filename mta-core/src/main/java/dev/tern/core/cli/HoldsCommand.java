package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code tern holds}: the holds in force, with their reason, origin and expiry. */
@Command(name = "holds", description = "List the holds in force (suspended targets): reason, origin, since, until.")
final class HoldsCommand extends ApiCommand {
    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.get("/api/v1/holds");
        if (printedJson(r, out)) return;
        if (r.get("holds").isEmpty()) out.println("no holds");
        else table(r.get("holds")).print(out);
    }

    /** The holds as a table (also printed by {@code tern queues}). */
    static Table table(JsonNode holds) {
        Table t = new Table("HOLD", "ORIGIN", "SINCE", "UNTIL", "REASON");
        for (JsonNode h : holds) {
            t.row(
                    Table.truncate(h.get("target").asText(), 60),
                    h.get("origin").asText(),
                    h.get("created_at").asText(),
                    h.hasNonNull("expires_at") ? h.get("expires_at").asText() : "resumed by hand",
                    h.get("reason").asText().isEmpty() ? "-" : h.get("reason").asText());
        }
        return t;
    }
}
