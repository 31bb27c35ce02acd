package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern suspend TARGET}: no new connection to a site; no delivery for a domain, campaign or tenant. */
@Command(
        name = "suspend",
        description =
                "Suspend delivery to a site (site:<key> as shown by 'tern queues'), a domain (domain:<domain>),"
                        + " a tenant (tenant:<name>) or a campaign (campaign:<name>; also refuses its new mail with 451 until resumed).")
final class SuspendCommand extends ApiCommand {
    @Parameters(paramLabel = "TARGET", description = "site:<key>, domain:<domain>, campaign:<name> or tenant:<name>")
    String target;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/suspend", Map.of("target", target));
        if (printedJson(r, out)) return;
        out.println(r.get("target").asText() + ": suspended" + (r.get("changed").asBoolean() ? "" : " (already)"));
    }
}
