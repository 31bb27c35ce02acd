package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tern drain}: stop accepting mail (new SMTP sessions get "421 4.3.2"), keep delivering,
 * report what remains; {@code --wait} follows the queue until it is empty or the timeout passes;
 * {@code --status} only reports, {@code --cancel} accepts mail again.
 */
@Command(
        name = "drain",
        description = "Stop accepting mail (421 4.3.2 on new sessions), deliver what can be delivered and report"
                + " what remains (then: stop the node, tern spool export).")
final class DrainCommand extends ApiCommand {
    @Option(names = "--status", description = "only report the drain and what remains")
    boolean status;

    @Option(names = "--cancel", description = "cancel the drain: accept new sessions again")
    boolean cancel;

    @Option(
            names = "--wait",
            description = "follow the queue (a progress line every --interval) until it is empty or --timeout passes")
    boolean waitEmpty;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "10m",
            description = "longest --wait (default 10m)")
    String timeout;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            defaultValue = "2s",
            description = "progress interval (default 2s)")
    String interval;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = cancel
                ? client.delete("/api/v1/drain")
                : status ? client.get("/api/v1/drain") : client.post("/api/v1/drain", Map.of());
        if (waitEmpty && !cancel) {
            Duration limit = parse(timeout, "--timeout");
            Duration every = parse(interval, "--interval");
            long deadline = System.nanoTime() + limit.toNanos();
            while (!r.path("empty").asBoolean() && System.nanoTime() < deadline) {
                if (!api.json) {
                    out.println(progress(r));
                    out.flush();
                }
                try {
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                r = client.get("/api/v1/drain");
            }
        }
        if (printedJson(r, out)) return;
        report(r, out);
    }

    private Duration parse(String text, String option) {
        try {
            Duration d = dev.tern.core.config.Durations.parse(text);
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("must be positive");
            return d;
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    static String progress(JsonNode r) {
        JsonNode rem = r.get("remaining");
        return "remaining: %d messages, %d recipients (%d in flight), %d sessions open"
                .formatted(
                        rem.get("messages").asLong(),
                        rem.get("recipients").asLong(),
                        rem.get("in_flight").asLong(),
                        r.get("sessions_open").asLong());
    }

    static void report(JsonNode r, PrintWriter out) {
        boolean draining = r.path("draining").asBoolean();
        out.println(
                draining
                        ? "draining since " + r.path("since").asText("?") + ": new SMTP sessions get 421 4.3.2"
                        : "not draining: accepting mail");
        out.println(progress(r));
        if (r.path("empty").asBoolean()) {
            out.println("the queue is empty");
            return;
        }
        Table t = new Table("DOMAIN", "ENTRIES", "RECIPIENTS", "DEFERRED", "NEXT ATTEMPT", "LAST REPLY");
        for (JsonNode d : r.get("domains")) {
            t.row(
                    d.get("domain").asText(),
                    d.get("entries").asLong(),
                    d.get("recipients").asLong(),
                    d.get("deferred").asLong(),
                    d.path("next_attempt_at").asText("-"),
                    Table.truncate(d.path("last_reply").asText("-"), 60));
        }
        t.print(out);
        int total = r.path("domains_total").asInt();
        if (total > r.get("domains").size())
            out.println("... and " + (total - r.get("domains").size()) + " more domains");
        if (draining) out.println("to hand the rest to another node: stop this node, then tern spool export DIR");
    }
}
