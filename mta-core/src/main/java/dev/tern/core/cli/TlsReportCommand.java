package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tern tls-report}: today's TLS-RPT results so far (RFC 8460), per policy domain and
 * policy: sessions that met the policy, sessions that failed and why. {@code --json} prints the
 * aggregate reports as they will be sent.
 */
@Command(
        name = "tls-report",
        description = "Show today's TLS-RPT (RFC 8460) results per policy domain: successful and failed sessions"
                + " under MTA-STS and DANE, with failure details (--json: the reports as they will be sent).")
final class TlsReportCommand extends ApiCommand {
    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "a UTC day still kept (default: today)")
    String date;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        String q = date == null ? "" : "?date=" + URLEncoder.encode(date, StandardCharsets.UTF_8);
        JsonNode r = client.get("/api/v1/tls-report" + q);
        if (printedJson(r, out)) return;
        JsonNode reports = r.path("reports");
        out.println("TLS-RPT results for " + r.path("date").asText() + " (UTC)");
        if (reports.isEmpty()) {
            out.println("no session under a published TLS policy");
            return;
        }
        for (JsonNode report : reports) {
            for (JsonNode p : report.path("policies")) {
                JsonNode policy = p.path("policy");
                JsonNode summary = p.path("summary");
                out.println(policy.path("policy-domain").asText() + "  "
                        + policy.path("policy-type").asText()
                        + (policy.has("mx-host") ? "  mx " + join(policy.path("mx-host")) : "")
                        + "  ok "
                        + summary.path("total-successful-session-count").asLong()
                        + "  failed "
                        + summary.path("total-failure-session-count").asLong());
                for (JsonNode d : p.path("failure-details")) {
                    out.println("    " + d.path("failed-session-count").asLong() + " x "
                            + d.path("result-type").asText()
                            + (d.has("receiving-mx-hostname")
                                    ? " at " + d.path("receiving-mx-hostname").asText()
                                    : "")
                            + (d.has("receiving-ip")
                                    ? " [" + d.path("receiving-ip").asText() + "]"
                                    : "")
                            + (d.has("failure-reason-code")
                                    ? ": " + d.path("failure-reason-code").asText()
                                    : ""));
                }
            }
        }
    }

    private static String join(JsonNode array) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : array) sb.append(sb.isEmpty() ? "" : ",").append(n.asText());
        return sb.toString();
    }
}
