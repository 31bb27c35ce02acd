package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern suspend TARGET}: no new connection to a site, no delivery to a domain. */
@Command(name = "suspend", description = "Suspend delivery to a site (site:<key> as shown by 'tern queues') or a domain (domain:<domain>).")
final class SuspendCommand extends ApiCommand {
  @Parameters(paramLabel = "TARGET", description = "site:<key> or domain:<domain>")
  String target;

  @Override
  void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
    JsonNode r = client.post("/api/v1/suspend", Map.of("target", target));
    if (printedJson(r, out)) return;
    out.println(r.get("target").asText() + ": suspended" + (r.get("changed").asBoolean() ? "" : " (already)"));
  }
}
