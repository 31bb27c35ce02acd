package dev.tern.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped Grafana dashboard only queries metrics that a running Tern exports. */
class DashboardTest {
    private static final Path DASHBOARD = Path.of("../config/grafana/tern-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:tern|jvm|process|system)_[a-z0-9_]+)");

    @TempDir
    Path dir;

    @Test
    void everyMetricOfTheDashboardIsInALiveScrape() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        for (JsonNode expr : dash.findValues("expr")) queries.add(expr.asText());
        for (JsonNode q : dash.get("templating").get("list"))
            if (q.has("definition")) queries.add(q.get("definition").asText());
        Set<String> used = new TreeSet<>();
        for (String q : queries) {
            Matcher m = METRIC.matcher(q);
            while (m.find()) used.add(m.group(1));
        }
        assertThat(queries).hasSizeGreaterThan(20);
        assertThat(used)
                .contains(
                        "tern_recipients_delivered_total",
                        "tern_destination_ready",
                        "tern_delivery_latency_seconds_bucket",
                        "tern_outbound_connections",
                        "tern_spool_body_bytes");

        com.sun.net.httpserver.HttpServer hook =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.routedTo(dir, sink.port(), """
                events:
                  log: "%s"
                  webhook: { url: "http://127.0.0.1:%d/hook", batch_interval: 100ms }
                """.formatted(
                                TestConfig.eventLog(dir), hook.getAddress().getPort())))) {
            sink.onRcpt(r -> r.contains("@defer.dash.test") ? "451 4.7.1 try later" : null);
            MetricLabelsTest.send(tern, "");
            assertThat(MetricLabelsTest.sendTo(tern, "r@defer.dash.test")).startsWith("250 ");
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> MetricLabelsTest.scrape(tern).contains("tern_site_deferrals_total{"));
            String scrape = MetricLabelsTest.scrape(tern);
            Set<String> exported = new TreeSet<>();
            for (String line : scrape.lines().toList()) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                exported.add(line.substring(0, end));
            }
            // DNS questions are counted from the first query; this Tern routes statically
            exported.add("tern_dns_queries_total");
            assertThat(exported).as("metrics exported by Tern").containsAll(used);
            // and every family Tern exports has a panel (the deprecated tern_messages_* aliases aside)
            Set<String> families = new TreeSet<>();
            for (String m : exported) {
                if (!m.startsWith("tern_") || m.startsWith("tern_messages_")) continue;
                families.add(m.replaceAll("_(bucket|count|sum|max)$", ""));
            }
            Set<String> usedFamilies = new TreeSet<>();
            for (String m : used) usedFamilies.add(m.replaceAll("_(bucket|count|sum|max)$", ""));
            assertThat(usedFamilies)
                    .as("metric families with a dashboard panel")
                    .containsAll(families);
        }
    }
}
