package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code tern campaigns}: the KPIs of every campaign (kept across restarts) and which are paused. */
@Command(
        name = "campaigns",
        description = "Show campaign KPIs per tenant: injected, delivered, bounced (hard/soft), complained,"
                + " unsubscribed, rates over the campaign and the last 24 h, and pauses.")
final class CampaignsCommand extends ApiCommand {
    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        JsonNode r = client.get("/api/v1/campaigns");
        if (printedJson(r, out)) return;
        JsonNode list = r.get("campaigns");
        if (list == null || list.isEmpty()) {
            out.println("no campaign has been seen yet (tag mail with X-Tern-Campaign)");
            return;
        }
        Table t = new Table(
                "TENANT",
                "CAMPAIGN",
                "INJECTED",
                "DELIVERED",
                "HARD",
                "SOFT",
                "COMPLAINED",
                "UNSUBSCRIBED",
                "BOUNCE",
                "COMPLAINT",
                "UNSUBSCRIBE",
                "COMPLAINT_24H",
                "STATUS");
        for (JsonNode c : list) {
            JsonNode day = c.get("last24h");
            t.row(
                    c.get("tenant").asText().isEmpty()
                            ? "(none)"
                            : c.get("tenant").asText(),
                    c.get("campaign").asText(),
                    c.get("injected").asLong(),
                    c.get("delivered").asLong(),
                    c.get("hard_bounced").asLong(),
                    c.get("soft_bounced").asLong(),
                    c.get("complained").asLong(),
                    c.get("unsubscribed").asLong(),
                    percent(c.get("bounce_rate").asDouble()),
                    percent(c.get("complaint_rate").asDouble()),
                    percent(c.get("unsubscribe_rate").asDouble()),
                    percent(day.get("complaint_rate").asDouble()),
                    c.get("paused").asBoolean()
                            ? "paused: " + c.get("pause_reason").asText()
                            : "active");
        }
        t.print(out);
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }
}
