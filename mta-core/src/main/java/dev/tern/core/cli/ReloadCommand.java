package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code tern reload}: re-reads the configuration file and prints what changed. */
@Command(name = "reload", description = "Reload the configuration file Tern was started with; print what changed.")
final class ReloadCommand extends ApiCommand {
    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.post("/api/v1/reload", Map.of());
        if (printedJson(r, out)) return;
        out.println("reloaded " + r.get("file").asText());
        JsonNode routes = r.get("routes");
        if (routes.isEmpty()) out.println("routes: unchanged");
        for (JsonNode c : routes) {
            String from = c.hasNonNull("from") ? c.get("from").asText() : null;
            String to = c.hasNonNull("to") ? c.get("to").asText() : null;
            out.println("route " + c.get("pattern").asText() + ": "
                    + (from == null
                            ? "added -> " + to
                            : to == null ? "removed (was " + from + ")" : from + " -> " + to));
        }
        if (r.get("token_changed").asBoolean()) out.println("admin.token: changed");
        JsonNode restart = r.get("restart_required");
        if (!restart.isEmpty()) {
            StringBuilder sb = new StringBuilder("changed, applied at the next restart:");
            for (JsonNode k : restart) sb.append(' ').append(k.asText());
            out.println(sb);
        }
    }
}
