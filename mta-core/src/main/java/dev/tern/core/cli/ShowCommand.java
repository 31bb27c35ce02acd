package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern show ID}: a spooled message's envelope and recipients, or a finished message's history. */
@Command(
        name = "show",
        description = "Show a message: a queued one's envelope, Subject, Message-ID, priority and each recipient's"
                + " state; a finished one's full history from the event log.")
final class ShowCommand extends ApiCommand {
    @Parameters(paramLabel = "ID", description = "the queue id (from the injection reply or the event log)")
    String id;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        if (!id.matches("[A-Za-z0-9._\\-]{1,128}")) throw new AdminClient.Failure(0, "bad message id '" + id + "'");
        JsonNode m = client.get("/api/v1/messages/" + id);
        if (printedJson(m, out)) return;
        boolean finished = m.path("finished").asBoolean();
        out.println("message   " + m.get("id").asText() + (finished ? " (finished: from the event log)" : ""));
        String sender = m.path("sender").asText(null);
        if (sender != null) out.println("sender    " + (sender.isEmpty() ? "<>" : sender));
        field(out, "subject", m.path("subject"));
        field(out, "msg-id", m.path("message_id_header"));
        field(out, "priority", m.path("priority"));
        field(out, "received", m.path("received_at"));
        field(out, "expires", m.path("expires_at"));
        if (m.hasNonNull("size"))
            out.println("size      " + Format.bytes(m.get("size").asLong()));
        field(out, "tenant", m.path("tenant"));
        field(out, "campaign", m.path("campaign"));
        field(out, "pool", m.path("pool"));
        out.println();
        if (finished) {
            Table t = new Table("TIME", "EVENT", "RECIPIENT", "REPLY");
            for (JsonNode e : m.get("events")) {
                t.row(
                        e.path("time").asText("-"),
                        e.path("type").asText("-"),
                        e.path("recipient").asText("-"),
                        Table.truncate(e.path("reply").asText("-"), 100));
            }
            t.print(out);
            return;
        }
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

    private static void field(PrintWriter out, String label, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode() || v.asText().isEmpty()) return;
        out.println(String.format("%-9s %s", label, v.asText()));
    }
}
