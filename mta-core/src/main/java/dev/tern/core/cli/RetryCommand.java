package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern retry [TARGET]}: deferred entries become due now and their sites may connect at once. */
@Command(
        name = "retry",
        description = "Make the deferred entries of a target (default: all) due now; its sites connect at once.")
final class RetryCommand extends ApiCommand {
    @Parameters(paramLabel = "TARGET", arity = "0..1", description = Targets.DESCRIPTION + " (default: all)")
    String target;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/retry", Map.of("target", target == null ? "all" : target));
        if (printedJson(r, out)) return;
        out.println(r.get("target").asText() + ": " + r.get("rescheduled").asInt() + " entries due now");
    }
}
