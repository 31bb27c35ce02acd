package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern show ID}: one spooled message's envelope and recipients. */
@Command(name = "show", description = "Show a spooled message: envelope, entries and each recipient's state.")
final class ShowCommand extends ApiCommand {
    @Parameters(paramLabel = "ID", description = "the queue id (from the injection reply or the event log)")
    String id;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        if (!id.matches("[A-Za-z0-9._\\-]{1,128}")) throw new AdminClient.Failure(0, "bad message id '" + id + "'");
        JsonNode m = client.get("/api/v1/messages/" + id);
        if (printedJson(m, out)) return;
        out.println("message   " + m.get("id").asText());
        out.println("sender    "
                + (m.get("sender").asText().isEmpty() ? "<>" : m.get("sender").asText()));
        out.println("received  " + m.get("received_at").asText());
        out.println("expires   " + m.get("expires_at").asText());
        out.println("size      " + Format.bytes(m.get("size").asLong()));
        if (!m.get("tenant").asText().isEmpty())
            out.println("tenant    " + m.get("tenant").asText());
        if (!m.get("campaign").asText().isEmpty())
            out.println("campaign  " + m.get("campaign").asText());
        if (!m.get("pool").asText().isEmpty())
            out.println("pool      " + m.get("pool").asText());
        out.println();
        Table t = new Table("DOMAIN", "RECIPIENT", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "LAST REPLY");
        for (JsonNode e : m.get("entries")) {
            for (JsonNode r : e.get("recipients")) {
                t.row(
                        e.get("domain").asText(),
                        r.get("address").asText(),
                        r.get("status").asText(),
                        r.get("attempts").asInt(),
                        e.get("next_attempt_at").asText(),
                        r.get("last_reply").asText().isEmpty()
                                ? "-"
                                : r.get("last_reply").asText());
            }
        }
        t.print(out);
    }
}
