package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern bounce TARGET [--reason TEXT]}: purges a site's, domain's, campaign's ... queue. */
@Command(
        name = "bounce",
        description = "Bounce (purge) every queued recipient of a target: bounce events are published, the entries"
                + " removed. Entries being sent now bounce for the recipients the attempt leaves open.")
final class BounceCommand extends ApiCommand {
    @Parameters(paramLabel = "TARGET", description = Targets.DESCRIPTION)
    String target;

    @Option(names = "--reason", paramLabel = "TEXT", description = "reason put in the bounce reply and events")
    String reason;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("target", target);
        if (reason != null) body.put("reason", reason);
        JsonNode r = client.post("/api/v1/bounce", body);
        if (printedJson(r, out)) return;
        out.printf(
                "%s: bounced %d recipients in %d entries%s%n",
                r.get("target").asText(),
                r.get("bounced_recipients").asInt(),
                r.get("bounced_entries").asInt(),
                r.get("in_flight").asInt() > 0
                        ? "; " + r.get("in_flight").asInt() + " entries being sent now bounce when their attempt ends"
                        : "");
    }
}
