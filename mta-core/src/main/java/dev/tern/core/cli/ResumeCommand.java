package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern resume TARGET}: resumes a suspended site, domain, campaign or tenant. */
@Command(name = "resume", description = "End the hold on a target (held mail is made due at once).")
final class ResumeCommand extends ApiCommand {
    @Parameters(paramLabel = "TARGET", description = Targets.DESCRIPTION)
    String target;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/resume", Map.of("target", target));
        if (printedJson(r, out)) return;
        String more = r.hasNonNull("rescheduled") && r.get("rescheduled").asInt() > 0
                ? ", " + r.get("rescheduled").asInt() + " entries due now"
                : "";
        out.println(r.get("target").asText() + ": resumed"
                + (r.get("changed").asBoolean() ? more : " (was not suspended)"));
    }
}
