package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tern.core.delivery.smtp.TlsResult;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS-RPT report POSTed to an https: rua (RFC 8460 section 5.4), and the counts kept across a restart. */
class TlsReportHttpsTest {
    @TempDir
    Path dir;

    record Post(String contentType, byte[] body) {}

    @Test
    void theDailyReportIsPostedGzippedToAnHttpsRuaAndCountsSurviveARestart() throws Exception {
        TestPki pki = new TestPki("Tern Report CA");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));
        List<Post> posts = new CopyOnWriteArrayList<>();
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.setHttpsConfigurator(new HttpsConfigurator(pki.issue("localhost").jdkServer()));
        server.createContext("/tlsrpt", ex -> {
            posts.add(new Post(
                    ex.getRequestHeaders().getFirst("Content-Type"),
                    ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(201, -1);
            ex.close();
        });
        server.start();
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.txt(
                    "_smtp._tls.rpt.test",
                    "v=TLSRPTv1; rua=https://localhost:" + server.getAddress().getPort() + "/tlsrpt",
                    300);
            ReportPolicy policy = new ReportPolicy(
                    "sts", List.of("version: STSv1", "mode: enforce"), "rpt.test", List.of("mx.rpt.test"));
            TlsReports first = new TlsReports(dir, new TlsReports.Identity("Org", "ops@org.test"), clock);
            first.record(policy, null, "192.0.2.1", "mx.rpt.test", "198.51.100.1", null);
            first.record(policy, TlsResult.CERTIFICATE_EXPIRED, "192.0.2.1", "mx.rpt.test", "198.51.100.1", "expired");
            first.flush();
            // a restart: the day's counts come back from the report directory
            TlsReports reports = new TlsReports(dir, new TlsReports.Identity("Org", "ops@org.test"), clock);
            reports.record(policy, null, "192.0.2.1", "mx.rpt.test", "198.51.100.1", null);
            PolicyDns policyDns = new PolicyDns(
                    List.of(dns.address()),
                    PolicyDns.Dnssec.OFF,
                    "",
                    Duration.ofSeconds(2),
                    clock,
                    Executors.newVirtualThreadPerTaskExecutor());
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", pki.caCert);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            TlsReportSender sender = new TlsReportSender(
                    reports,
                    policyDns,
                    (from, to, msg) -> {
                        throw new AssertionError("no mail expected");
                    },
                    ssl,
                    Duration.ofSeconds(5),
                    Duration.ofMinutes(30),
                    "noreply@org.test",
                    "mta.org.test",
                    clock,
                    () -> "r1",
                    "Org");
            assertThat(sender.sendDue()).isEmpty();
            clock.set(Instant.parse("2026-12-02T00:30:00Z").toEpochMilli());
            assertThat(sender.sendDue()).hasSize(1);
            assertThat(posts)
                    .singleElement()
                    .satisfies(p -> assertThat(p.contentType()).isEqualTo("application/tlsrpt+gzip"));
            JsonNode report;
            try (var in = new GZIPInputStream(
                    new ByteArrayInputStream(posts.getFirst().body()))) {
                report = new ObjectMapper().readTree(in);
            }
            assertThat(report.path("organization-name").asText()).isEqualTo("Org");
            assertThat(report.path("report-id").asText()).isEqualTo("2026-12-01.rpt.test.r1@mta.org.test");
            JsonNode summary = report.path("policies").get(0).path("summary");
            assertThat(summary.path("total-successful-session-count").asLong()).isEqualTo(2);
            assertThat(summary.path("total-failure-session-count").asLong()).isEqualTo(1);
            assertThat(report.path("policies")
                            .get(0)
                            .path("failure-details")
                            .get(0)
                            .path("result-type")
                            .asText())
                    .isEqualTo("certificate-expired");
            // sent: the day's file is gone
            assertThat(java.nio.file.Files.exists(dir.resolve("2026-12-01.json")))
                    .isFalse();
        } finally {
            server.stop(0);
        }
    }
}
