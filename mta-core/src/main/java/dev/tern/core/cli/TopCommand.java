package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tern top}: a refreshing terminal view of message rates (from /metrics counters,
 * per second over the refresh interval) and of the queues (from the API).
 */
@Command(name = "top", description = "Live view of delivery rates and queues (Ctrl-C to quit).")
final class TopCommand extends ApiCommand {
    private static final String[] OUTCOMES = {"injected", "delivered", "deferred", "bounced", "expired", "complained"};

    @Option(
            names = {"-n", "--interval"},
            paramLabel = "SECONDS",
            defaultValue = "2",
            description = "refresh interval (default: 2)")
    double interval;

    @Option(names = "--once", description = "print one frame (rates over one interval) and exit")
    boolean once;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "15", description = "destinations shown (default: 15)")
    int rows;

    @Override
    void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
        if (interval <= 0 || interval > 3600)
            throw new AdminClient.Failure(0, "--interval must be in (0, 3600] seconds");
        long sleepMillis = Math.round(interval * 1000);
        Map<String, Double> before = counters(client.text("/metrics"));
        long t0 = System.nanoTime();
        while (true) {
            sleep(sleepMillis);
            Map<String, Double> now = counters(client.text("/metrics"));
            long t1 = System.nanoTime();
            JsonNode q = client.get("/api/v1/queues");
            if (!once) out.print("\033[H\033[2J");
            frame(out, before, now, (t1 - t0) / 1e9, q);
            out.flush();
            if (once) return;
            before = now;
            t0 = t1;
        }
    }

    private void frame(
            PrintWriter out, Map<String, Double> before, Map<String, Double> now, double seconds, JsonNode q) {
        out.printf("tern top  %s  (rates over %.1f s)%n%n", Instant.now().truncatedTo(ChronoUnit.SECONDS), seconds);
        Table rates = new Table("", OUTCOMES[0], OUTCOMES[1], OUTCOMES[2], OUTCOMES[3], OUTCOMES[4], OUTCOMES[5]);
        Object[] perSecond = new Object[OUTCOMES.length + 1];
        Object[] total = new Object[OUTCOMES.length + 1];
        perSecond[0] = "per second";
        total[0] = "total";
        for (int i = 0; i < OUTCOMES.length; i++) {
            double a = before.getOrDefault(OUTCOMES[i], 0.0), b = now.getOrDefault(OUTCOMES[i], 0.0);
            perSecond[i + 1] = Format.rate(Math.max(0, b - a) / seconds);
            total[i + 1] = Math.round(b);
        }
        rates.row(perSecond).row(total).print(out);
        JsonNode t = q.get("totals");
        out.printf(
                "%nspool %d messages / %d entries / %s   in flight %d   ready %d   connections %d   oldest %s%n%n",
                t.get("messages").asLong(),
                t.get("entries").asLong(),
                Format.bytes(t.get("body_bytes").asLong()),
                t.get("in_flight").asInt(),
                t.get("ready").asInt(),
                t.get("connections").asInt(),
                Format.seconds(q.get("scan").get("oldest_age_seconds").asDouble()));
        Table dest = new Table("DESTINATION", "READY", "CONNECTIONS", "SUSPENDED");
        int shown = 0;
        for (JsonNode d : q.get("destinations")) {
            if (shown++ >= rows) break;
            dest.row(
                    d.get("key").asText(),
                    d.get("ready").asInt(),
                    d.get("connections").asInt(),
                    d.get("suspended").asBoolean() ? "yes" : "no");
        }
        if (dest.isEmpty()) out.println("no destination has been used yet");
        else dest.print(out);
    }

    private static final Pattern SAMPLE =
            Pattern.compile("(?m)^tern_recipients_([a-z_]+)_total(?:\\{[^}]*\\})? (\\S+)$");

    /** Sums of tern_recipients_*_total by outcome. */
    static Map<String, Double> counters(String metrics) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Matcher m = SAMPLE.matcher(metrics);
        while (m.find()) {
            try {
                sums.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            } catch (NumberFormatException ignored) {
                // NaN and the like: not a count
            }
        }
        return sums;
    }

    private static void sleep(long millis) throws AdminClient.Failure {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminClient.Failure(0, "interrupted");
        }
    }
}
