package dev.tern.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pool and tenant labels come from configuration, never from a relay client's headers. */
class MetricLabelsTest {
    @TempDir
    Path dir;

    static final String POOLS = """
    delivery:
      sources: { s1: { address: 127.0.0.1, ehlo_name: a.tern.test } }
      pools: { bulk: { s1: 1 } }
    """;

    @Test
    void anUnknownPoolIsRefusedAndCreatesNoSeries() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.of(dir, false, POOLS + routes(sink)))) {
            assertThat(send(tern, "X-Tern-Pool: nosuch\r\n"))
                    .startsWith("550 5.7.1")
                    .contains("Unknown pool 'nosuch'")
                    .contains("bulk");
            assertThat(send(tern, "X-Tern-Pool: bulk\r\nX-Tern-Tenant: acme\r\n"))
                    .startsWith("250 ");
            assertThat(send(tern, "")).startsWith("250 ");
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> sum(scrape(tern), "tern_recipients_delivered_total", "") == 2);
            String after = scrape(tern);
            assertThat(after)
                    .doesNotContain("nosuch")
                    .doesNotContain("pool=\"none\"")
                    .doesNotContain("tenant=\"none\"");
            java.util.Set<String> pools = new java.util.TreeSet<>();
            Matcher pm = Pattern.compile("pool=\"([^\"]*)\"").matcher(after);
            while (pm.find()) pools.add(pm.group(1));
            assertThat(pools).as("pool label values").containsExactlyInAnyOrder("", "bulk");
            assertThat(sum(after, "tern_recipients_delivered_total", "pool=\"bulk\""))
                    .isEqualTo(1);
            // mail without a pool or tenant counts under the empty label, not a "none" placeholder
            assertThat(sum(after, "tern_recipients_delivered_total", "pool=\"\",tenant=\"\""))
                    .isEqualTo(1);
            assertThat(sum(after, "tern_injection_refusals_total", "reason=\"unknown_pool\""))
                    .isEqualTo(1);
            // the deprecated alias still counts, for one release
            assertThat(sum(after, "tern_messages_delivered_total", "")).isEqualTo(2);
        }
    }

    @Test
    void anUnknownPoolCanBeMappedToTheDefaultAndTenantsToAnAllowList() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.of(dir, false, POOLS + routes(sink) + """
                injection:
                  listen: 127.0.0.1:0
                  tags: { unknown_pool: default, tenants: [acme] }
                """))) {
            assertThat(send(tern, "X-Tern-Pool: nosuch\r\nX-Tern-Tenant: ACME\r\n"))
                    .startsWith("250 ");
            assertThat(send(tern, "X-Tern-Tenant: evil-" + "x".repeat(100) + "\r\n"))
                    .startsWith("550 5.7.1")
                    .contains("Unknown tenant");
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> sum(scrape(tern), "tern_recipients_delivered_total", "pool=\"bulk\"") == 1);
            String after = scrape(tern);
            assertThat(after).doesNotContain("nosuch").doesNotContain("evil");
            assertThat(sum(after, "tern_injection_refusals_total", "reason=\"unknown_tenant\""))
                    .isEqualTo(1);
        }
    }

    @Test
    void aRelayNetworkMappedToATenantSendsForThatTenantOnly() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.of(dir, false, routes(sink) + """
                injection:
                  listen: 127.0.0.1:0
                  tags: { networks: { "127.0.0.0/8": wider, "127.0.0.0/16": acme } }
                """))) {
            java.util.List<dev.tern.core.events.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            tern.events().register(events::add);
            assertThat(send(tern, "")).startsWith("250 ");
            assertThat(send(tern, "X-Tern-Tenant: Acme\r\n")).startsWith("250 ");
            assertThat(send(tern, "X-Tern-Tenant: globex\r\n"))
                    .startsWith("550 5.7.1")
                    .contains("'acme' only");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.stream()
                                    .filter(e -> e.kind() == dev.tern.core.events.EventType.RECEPTION)
                                    .count()
                            == 2);
            assertThat(events)
                    .filteredOn(e -> e.kind() == dev.tern.core.events.EventType.RECEPTION)
                    .allSatisfy(e -> assertThat(e.tenant()).isEqualTo("acme"));
            assertThat(scrape(tern)).doesNotContain("globex").doesNotContain("wider");
        }
    }

    @Test
    void aSuppressedRecipientRefusedAtRcptIsCountedAndReported() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.of(dir, false, routes(sink)))) {
            java.util.List<dev.tern.core.events.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            tern.events().register(events::add);
            tern.feedback()
                    .suppression()
                    .suppress("", "r@dest.test", "userunknown")
                    .get();
            assertThat(send(tern, "")).startsWith("550 5.7.1").contains("suppression list");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(events).anySatisfy(e -> {
                        assertThat(e.kind()).isEqualTo(dev.tern.core.events.EventType.SUPPRESSED);
                        assertThat(e.recipient()).isEqualTo("r@dest.test");
                        assertThat(e.sender()).isEqualTo("s@t.test");
                        assertThat(e.reason()).isEqualTo("userunknown");
                    }));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> sum(scrape(tern), "tern_recipients_suppressed_total", "") == 1);
            String after = scrape(tern);
            assertThat(sum(after, "tern_injection_refusals_total", "reason=\"suppressed\""))
                    .isEqualTo(1);
            assertThat(sum(after, "tern_messages_suppressed_total", "")).isEqualTo(1);
        }
    }

    private static String routes(SmtpSink sink) {
        return "routes: { \"*\": 127.0.0.1:" + sink.port() + " }\n";
    }

    /** Sends one message to r@dest.test; returns the reply to the end of DATA (or the refusal). */
    static String send(TernServer tern, String headers) throws IOException {
        return send(tern, "r@dest.test", headers);
    }

    static String sendTo(TernServer tern, String rcpt) throws IOException {
        return send(tern, rcpt, "");
    }

    static String send(TernServer tern, String rcpt, String headers) throws IOException {
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            return c.send("s@t.test", List.of(rcpt), headers + "Subject: x\r\n\r\nhello\r\n");
        }
    }

    static String scrape(TernServer tern) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + tern.adminAddress().getPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** Sum of the samples of {@code name} whose labels contain {@code labels}. */
    static double sum(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
                .matcher(scrape);
        double s = 0;
        while (m.find()) {
            String l = m.group(1) == null ? "" : m.group(1);
            if (l.contains(labels)) s += Double.parseDouble(m.group(2));
        }
        return s;
    }
}
