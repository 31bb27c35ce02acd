package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern suspend TARGET [--for 2h] [--reason TEXT]}: puts a hold on a target. */
@Command(
        name = "suspend",
        description = "Hold a target: its mail stays in the spool and no connection is opened for it until"
                + " 'tern resume' (or --for has passed). The hold survives restarts. A campaign's new mail is"
                + " also refused with 451 until resumed.")
final class SuspendCommand extends ApiCommand {
    @Parameters(paramLabel = "TARGET", description = Targets.DESCRIPTION)
    String target;

    @Option(names = "--for", paramLabel = "DURATION", description = "end the hold after this long (30m, 2h, 1d)")
    String duration;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (shown by 'tern holds')")
    String reason;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("target", target);
        if (duration != null) body.put("for", duration);
        if (reason != null) body.put("reason", reason);
        JsonNode r = client.post("/api/v1/suspend", body);
        if (printedJson(r, out)) return;
        JsonNode hold = r.get("hold");
        String until = hold != null && hold.hasNonNull("expires_at")
                ? " until " + hold.get("expires_at").asText()
                : "";
        out.println(r.get("target").asText() + ": suspended" + until
                + (r.get("changed").asBoolean() ? "" : " (already)"));
    }
}
