package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MTA-STS end to end over loopback: real DNS answers (TXT discovery), the policy fetched from an
 * in-process HTTPS server with a test CA, a sink presenting a certificate from that CA, and
 * Tern delivering (or not) under the policy, with TLS-RPT counting every session.
 */
class MtaStsDeliveryTest extends TlsPolicyTestBase {
    static final TestPki PKI = new TestPki("Tern Test CA");
    static final TestPki.Leaf MX_CERT = PKI.issue("mx.sts.test");
    static final TestPki.Leaf POLICY_CERT = PKI.issue("mta-sts.sts.test");

    TlsFixture.PolicyServer https;

    @BeforeEach
    void start() throws Exception {
        https = new TlsFixture.PolicyServer(POLICY_CERT.jdkServer());
        TlsFixture.publishSts(dns);
    }

    @AfterEach
    void stop() {
        https.close();
    }

    TernServer tern(int smtpPort) throws Exception {
        Path ca = PKI.writeCaPem(dir.resolve("ca.pem"));
        return TlsFixture.tern(dir, clock, dns.port(), smtpPort, """
                # every message its own session: the reports count sessions
                idle_connection_timeout: 0s
                tls:
                  trust_store: "%s"
                  mta_sts: { https_port: %d, cache_file: "%s" }
                  dane: { validation: "off" }
                  report: { directory: "%s", organization_name: Tern Test, contact_info: tls-reports@tern.test }
                """.formatted(
                        ca, https.port(), dir.resolve("sts.json"), dir.resolve("tls-rpt")));
    }

    /** Runs the {@code tern} CLI against the server's admin API; returns its output (exit 0 asserted). */
    static String ternCli(TernServer tern, String... args) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = dev.tern.core.cli.Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        java.util.List<String> all = new java.util.ArrayList<>(List.of(args));
        var admin = tern.adminAddress();
        all.addAll(List.of(
                "--url",
                "http://127.0.0.1:" + admin.getPort(),
                "--token",
                Files.readString(tern.config().admin().tokenFile()).strip()));
        int exit = cl.execute(all.toArray(String[]::new));
        assertThat(exit).as(err.toString()).isZero();
        return out.toString();
    }

    static String policy(String mode, String... mx) {
        StringBuilder sb = new StringBuilder("version: STSv1\r\nmode: " + mode + "\r\n");
        for (String m : mx) sb.append("mx: ").append(m).append("\r\n");
        return sb.append("max_age: 86400\r\n").toString();
    }

    ObjectNode todaysReport(TernServer tern) {
        return tern.tlsPolicies()
                .reports()
                .report("sts.test", LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), "test");
    }

    @Test
    void enforceWithAGoodCertificateDeliversUnderPolicyMtaStsAndCountsASuccess() throws Exception {
        https.policy.set(policy("enforce", "mx.sts.test"));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "alice@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(sink.messages().getFirst().tls()).isTrue();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("delivery");
            assertThat(ev.path("tls_policy").asText()).isEqualTo("mta-sts");
            await().untilAsserted(() -> assertThat(todaysReport(tern)).isNotNull());
            JsonNode p = todaysReport(tern).path("policies").get(0);
            assertThat(p.path("policy").path("policy-type").asText()).isEqualTo("sts");
            assertThat(p.path("policy").path("mx-host").get(0).asText()).isEqualTo("mx.sts.test");
            assertThat(p.path("summary").path("total-successful-session-count").asLong())
                    .isEqualTo(1);
            assertThat(p.path("summary").path("total-failure-session-count").asLong())
                    .isZero();
        }
        // the policy was kept in the cache file for the next start
        assertThat(Files.readString(dir.resolve("sts.json"))).contains("sts.test", "20261201", "enforce");
        assertThat(https.fetches.get()).isEqualTo(1);
    }

    @Test
    void enforceWithAnMxOutsideThePolicyDefersWithTheReasonNeverConnectsAndReportsAFailure() throws Exception {
        https.policy.set(policy("enforce", "mx.elsewhere.test"));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "bob@sts.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText())
                    .startsWith("451 4.7.5")
                    .contains("mx.sts.test does not match the MTA-STS policy of sts.test");
            assertThat(sink.connectionsAccepted()).isZero();
            JsonNode p = todaysReport(tern).path("policies").get(0);
            assertThat(p.path("summary").path("total-failure-session-count").asLong())
                    .isEqualTo(1);
            JsonNode detail = p.path("failure-details").get(0);
            assertThat(detail.path("result-type").asText()).isEqualTo("validation-failure");
            assertThat(detail.path("receiving-mx-hostname").asText()).isEqualTo("mx.sts.test");
            assertThat(detail.path("failed-session-count").asLong()).isEqualTo(1);
            // what the operator sees: tern tls-report (text and the report JSON)
            String text = ternCli(tern, "tls-report");
            assertThat(text)
                    .contains("TLS-RPT results for 2026-12-01 (UTC)")
                    .contains("sts.test  sts  mx mx.elsewhere.test  ok 0  failed 1")
                    .contains("1 x validation-failure at mx.sts.test [127.0.0.1]: MX host mx.sts.test does not match");
            JsonNode json =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(ternCli(tern, "tls-report", "--json"));
            assertThat(json.path("reports")
                            .get(0)
                            .path("policies")
                            .get(0)
                            .path("policy")
                            .path("policy-domain")
                            .asText())
                    .isEqualTo("sts.test");
            assertThat(ternCli(tern, "tls-report", "--date", "2026-11-30"))
                    .contains("no session under a published TLS policy");
        }
    }

    @Test
    void enforceWithAnUntrustedCertificateDefersAndNeverFallsBackToClearText() throws Exception {
        https.policy.set(policy("enforce", "mx.sts.test"));
        // the sink's own self-signed certificate: not from the trusted CA
        try (SmtpSink sink = SmtpSink.builder()
                        .hostname("mx.sts.test")
                        .startTls(true)
                        .start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "carol@sts.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText()).startsWith("451 4.7.5").contains("not trusted");
            assertThat(sink.messageCount()).isZero();
            assertThat(sink.commands()).noneMatch(c -> c.phase() == Phase.MAIL);
            assertThat(todaysReport(tern)
                            .path("policies")
                            .get(0)
                            .path("failure-details")
                            .get(0)
                            .path("result-type")
                            .asText())
                    .isEqualTo("certificate-not-trusted");
        }
    }

    @Test
    void testingModeDeliversDespiteAnMxMismatchAndReportsTheFailure() throws Exception {
        https.policy.set(policy("testing", "mx.elsewhere.test"));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "dave@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(TlsFixture.outcome(dir, id).path("type").asText()).isEqualTo("delivery");
            await().untilAsserted(() -> assertThat(todaysReport(tern)).isNotNull());
            JsonNode p = todaysReport(tern).path("policies").get(0);
            assertThat(p.path("policy").path("policy-string").toString()).contains("mode: testing");
            assertThat(p.path("summary").path("total-failure-session-count").asLong())
                    .isEqualTo(1);
            assertThat(p.path("failure-details").get(0).path("result-type").asText())
                    .isEqualTo("validation-failure");
        }
    }

    @Test
    void aNewTxtIdFetchesThePolicyAgainAndTheSameIdUsesTheCache() throws Exception {
        https.policy.set(policy("enforce", "mx.sts.test"));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            TlsFixture.store(tern.spool(), "e1@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            // past the TXT TTL: same id, the cached policy is used
            clock.advance(Duration.ofMinutes(10));
            TlsFixture.store(tern.spool(), "e2@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            assertThat(https.fetches.get()).isEqualTo(1);
            // a new id: fetched again; the new policy no longer names the MX: deferred
            https.policy.set(policy("enforce", "mx.other.test"));
            dns.remove("_mta-sts.sts.test").txt("_mta-sts.sts.test", "v=STSv1; id=20261202", 300);
            clock.advance(Duration.ofMinutes(10));
            String id = TlsFixture.store(tern.spool(), "e3@sts.test", clock.millis());
            tern.delivery().wake();
            assertThat(TlsFixture.outcome(dir, id).path("type").asText()).isEqualTo("transient_failure");
            assertThat(https.fetches.get()).isEqualTo(2);
            assertThat(sink.messageCount()).isEqualTo(2);
        }
    }

    @Test
    void aDaysAggregateReportFollowsRfc8460AndIsMailedToTheRua() throws Exception {
        https.policy.set(policy("enforce", "*.sts.test"));
        // MX 5 presents an untrusted certificate (a failure), MX 10 the good one (a success)
        dns.mx("sts.test", 5, "mx0.sts.test", 300)
                .a("mx0.sts.test", "127.0.0.2", 300)
                .txt("_smtp._tls.sts.test", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test", 300)
                .mx("reports.test", 10, "mx.reports.test", 300)
                .a("mx.reports.test", "127.0.0.1", 300);
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                SmtpSink untrusted = SmtpSink.builder()
                        .address("127.0.0.2")
                        .port(sink.port())
                        .hostname("mx0.sts.test")
                        .startTls(true)
                        .start();
                TernServer tern = tern(sink.port())) {
            for (int i = 1; i <= 3; i++) {
                TlsFixture.store(tern.spool(), "user" + i + "@sts.test", clock.millis());
                tern.delivery().wake();
                sink.awaitMessageCount(i, Duration.ofSeconds(10));
                clock.advance(Duration.ofHours(4)); // a day of traffic, on virtual time
            }
            assertThat(untrusted.messageCount()).isZero();
            LocalDate day = LocalDate.parse("2026-12-01");
            assertThat(tern.tlsPolicies().sendDue()).isEmpty(); // the day is not over yet
            clock.set(Instant.parse("2026-12-02T00:31:00Z").toEpochMilli());
            List<TlsReportSender.Sent> sent = tern.tlsPolicies().sendDue();
            assertThat(sent).singleElement().satisfies(s -> {
                assertThat(s.domain()).isEqualTo("sts.test");
                assertThat(s.rua()).isEqualTo("mailto:tlsrpt@reports.test");
            });
            // queued through Tern itself and delivered to the rua's MX
            sink.awaitMessageCount(4, Duration.ofSeconds(10));
            var mail = sink.messages().stream()
                    .filter(m -> m.recipients().contains("tlsrpt@reports.test"))
                    .findFirst()
                    .orElseThrow();
            String text = mail.text();
            assertThat(text)
                    .contains("TLS-Report-Domain: sts.test")
                    .contains("TLS-Report-Submitter: Tern Test")
                    .contains("Subject: Report Domain: sts.test Submitter: Tern Test Report-ID: <")
                    .contains("Content-Type: multipart/report; report-type=\"tlsrpt\"")
                    .contains("Content-Type: application/tlsrpt+gzip");
            JsonNode report = attachedReport(text);
            assertThat(report.path("organization-name").asText()).isEqualTo("Tern Test");
            assertThat(report.path("contact-info").asText()).isEqualTo("tls-reports@tern.test");
            assertThat(report.path("report-id").asText())
                    .isEqualTo(sent.getFirst().reportId());
            assertThat(report.path("date-range").path("start-datetime").asText())
                    .isEqualTo("2026-12-01T00:00:00Z");
            assertThat(report.path("date-range").path("end-datetime").asText()).isEqualTo("2026-12-01T23:59:59Z");
            assertThat(report.path("policies")).hasSize(1);
            JsonNode p = report.path("policies").get(0);
            assertThat(p.path("policy").path("policy-type").asText()).isEqualTo("sts");
            assertThat(p.path("policy").path("policy-domain").asText()).isEqualTo("sts.test");
            assertThat(p.path("policy").path("policy-string").toString())
                    .contains("version: STSv1", "mode: enforce", "mx: *.sts.test", "max_age: 86400");
            assertThat(p.path("policy").path("mx-host").get(0).asText()).isEqualTo("*.sts.test");
            assertThat(p.path("summary").path("total-successful-session-count").asLong())
                    .isEqualTo(3);
            assertThat(p.path("summary").path("total-failure-session-count").asLong())
                    .isEqualTo(3);
            assertThat(p.path("failure-details")).hasSize(1);
            JsonNode d = p.path("failure-details").get(0);
            assertThat(d.path("result-type").asText()).isEqualTo("certificate-not-trusted");
            assertThat(d.path("sending-mta-ip").asText()).isEqualTo("127.0.0.1");
            assertThat(d.path("receiving-mx-hostname").asText()).isEqualTo("mx0.sts.test");
            assertThat(d.path("receiving-ip").asText()).isEqualTo("127.0.0.2");
            assertThat(d.path("failed-session-count").asLong()).isEqualTo(3);
            // sent once: the day's results are gone, a second run sends nothing
            assertThat(tern.tlsPolicies().reports().report("sts.test", day, "x"))
                    .isNull();
            assertThat(tern.tlsPolicies().sendDue()).isEmpty();
        }
    }

    @Test
    void theCachedPolicyOutlivesARestartWhenThePolicyHostIsDown() throws Exception {
        https.policy.set(policy("enforce", "mx.elsewhere.test"));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start()) {
            try (TernServer tern = tern(sink.port())) {
                String id = TlsFixture.store(tern.spool(), "f1@sts.test", clock.millis());
                tern.delivery().wake();
                assertThat(TlsFixture.outcome(dir, id).path("type").asText()).isEqualTo("transient_failure");
            }
            https.close(); // the policy host is gone: only the cache file knows the policy
            clock.advance(Duration.ofHours(1));
            try (TernServer tern = tern(sink.port())) {
                String id = TlsFixture.store(tern.spool(), "f2@sts.test", clock.millis());
                tern.delivery().wake();
                JsonNode ev = TlsFixture.outcome(dir, id);
                assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
                assertThat(ev.path("reply").asText()).contains("does not match the MTA-STS policy");
            }
            assertThat(sink.messageCount()).isZero();
            assertThat(https.fetches.get()).isEqualTo(1);
        }
    }

    /** The JSON of the application/tlsrpt+gzip part (base64, gzip). */
    static JsonNode attachedReport(String message) throws Exception {
        int part = message.indexOf("Content-Type: application/tlsrpt+gzip");
        int start = message.indexOf("\r\n\r\n", part) + 4;
        int end = message.indexOf("\r\n--", start);
        byte[] gz = java.util.Base64.getMimeDecoder().decode(message.substring(start, end));
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        }
    }
}
