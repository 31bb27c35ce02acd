package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code tern reload}: the server's one reload (as SIGHUP): re-reads the configuration file and
 * prints every section as applied, unchanged or needs restart, with what changed.
 */
@Command(
        name = "reload",
        description = "Reload the configuration file Tern was started with; print per section: applied, unchanged"
                + " or needs restart.")
final class ReloadCommand extends ApiCommand {
    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/reload", Map.of());
        if (printedJson(r, out)) return;
        out.println("reloaded " + r.get("file").asText());
        for (JsonNode s : r.get("sections")) {
            out.println(
                    s.get("section").asText() + ": " + s.get("outcome").asText().replace('_', ' '));
            for (JsonNode d : s.get("details")) out.println("  " + d.asText());
        }
    }
}
