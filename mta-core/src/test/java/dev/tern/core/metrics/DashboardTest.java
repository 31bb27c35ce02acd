package dev.tern.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.admin.TernFixture;
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

        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            f.inject("dash.test", 2);
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            String scrape = f.scrape();
            Set<String> exported = new TreeSet<>();
            for (String line : scrape.lines().toList()) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                exported.add(line.substring(0, end));
            }
            assertThat(exported).as("metrics exported by Tern").containsAll(used);
        }
    }
}
