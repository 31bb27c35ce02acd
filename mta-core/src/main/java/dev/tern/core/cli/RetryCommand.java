package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern retry [domain:D|campaign:C|tenant:T]}: deferred entries become due now. */
@Command(
        name = "retry",
        description = "Make deferred entries of a domain, campaign or tenant (or all entries) due now.")
final class RetryCommand extends ApiCommand {
    @Parameters(
            paramLabel = "TARGET",
            arity = "0..1",
            description = "domain:<domain>, campaign:<name> or tenant:<name> (default: all)")
    String target;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/retry", Map.of("target", target == null ? "all" : target));
        if (printedJson(r, out)) return;
        out.println(r.get("target").asText() + ": " + r.get("rescheduled").asInt() + " entries due now");
    }
}
