package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern suppression list|add|remove}: the suppression list. */
@Command(
        name = "suppression",
        description = "List, add or remove suppression list entries.",
        subcommands = {SuppressionCommand.List.class, SuppressionCommand.Add.class, SuppressionCommand.Remove.class})
final class SuppressionCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", description = "List a tenant's suppressions (default: the global list).")
    static final class List extends ApiCommand {
        @Option(names = "--tenant", paramLabel = "TENANT", defaultValue = "")
        String tenant;

        @Option(
                names = "--after",
                paramLabel = "ADDRESS",
                defaultValue = "",
                description = "start after this address (paging)")
        String after;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100")
        int limit;

        @Override
        void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
            JsonNode r = client.get("/api/v1/suppressions?" + AdminClient.query("tenant", tenant) + "&"
                    + AdminClient.query("after", after) + "&limit=" + limit);
            if (printedJson(r, out)) return;
            Table t = new Table("ADDRESS", "TENANT", "REASON", "ADDED");
            for (JsonNode s : r.get("suppressions")) {
                t.row(
                        s.get("address").asText(),
                        s.get("tenant").asText().isEmpty()
                                ? "(global)"
                                : s.get("tenant").asText(),
                        s.get("reason").asText(),
                        s.get("added_at").asText());
            }
            if (t.isEmpty()) out.println("no suppressions");
            else t.print(out);
            if (r.hasNonNull("next"))
                out.println("more: --after " + r.get("next").asText());
        }
    }

    @Command(name = "add", description = "Suppress an address (for a tenant, default: globally).")
    static final class Add extends ApiCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Option(names = "--tenant", paramLabel = "TENANT", defaultValue = "")
        String tenant;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "manual")
        String reason;

        @Override
        void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("tenant", tenant);
            body.put("address", address);
            body.put("reason", reason);
            JsonNode r = client.post("/api/v1/suppressions", body);
            if (printedJson(r, out)) return;
            out.println("suppressed " + r.get("address").asText() + (tenant.isEmpty() ? "" : " for tenant " + tenant)
                    + " (" + r.get("reason").asText() + ")");
        }
    }

    @Command(name = "remove", description = "Remove an address from the suppression list.")
    static final class Remove extends ApiCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Option(names = "--tenant", paramLabel = "TENANT", defaultValue = "")
        String tenant;

        @Override
        void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
            JsonNode r = client.delete("/api/v1/suppressions?" + AdminClient.query("tenant", tenant) + "&"
                    + AdminClient.query("address", address));
            if (printedJson(r, out)) return;
            out.println("removed " + r.get("address").asText() + (tenant.isEmpty() ? "" : " for tenant " + tenant));
        }
    }
}
