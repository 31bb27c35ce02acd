package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TLS-RPT for domains that publish no policy (RFC 8460 section 4.3, policy type
 * {@code no-policy-found}): each session to their MX counts once per domain, a success with TLS and
 * {@code starttls-not-supported} without; static routes are not reported; the day's report goes to
 * the domain's {@code mailto:} rua with the policy type and no policy string.
 */
class NoPolicyFoundReportTest extends TlsPolicyTestBase {
    @BeforeEach
    void start() throws Exception {
        dns.mx("plain.test", 10, "mx.plain.test", 300)
                .a("mx.plain.test", "127.0.0.1", 300)
                .txt("_smtp._tls.plain.test", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test", 300)
                .mx("clear.test", 10, "mx.clear.test", 300)
                .a("mx.clear.test", "127.0.0.2", 300)
                .mx("reports.test", 10, "mx.reports.test", 300)
                .a("mx.reports.test", "127.0.0.1", 300);
    }

    TernServer tern(int smtpPort, int relayPort) {
        return TlsFixture.tern(
                dir,
                clock,
                dns.port(),
                smtpPort,
                """
                idle_connection_timeout: 0s
                tls:
                  dane: { validation: "off" }
                  report: { directory: "%s", organization_name: Tern Test, contact_info: tls-reports@tern.test }
                """.formatted(dir.resolve("tls-rpt")),
                "routes: { relay.test: 127.0.0.1:%d }\n".formatted(relayPort));
    }

    @Test
    void sessionsToDomainsWithoutAPolicyAreCountedAndReported() throws Exception {
        try (SmtpSink tls = SmtpSink.builder().startTls(true).start();
                SmtpSink clear = SmtpSink.builder()
                        .address("127.0.0.2")
                        .port(tls.port())
                        .startTls(false)
                        .start();
                SmtpSink relay = SmtpSink.builder().startTls(true).start();
                TernServer tern = tern(tls.port(), relay.port())) {
            // two sessions to plain.test (one message each), one to clear.test, one by a static route
            for (int i = 1; i <= 2; i++) {
                TlsFixture.store(tern.spool(), "user" + i + "@plain.test", clock.millis());
                tern.delivery().wake();
                tls.awaitMessageCount(i, Duration.ofSeconds(10));
                await().atMost(Duration.ofSeconds(10)).until(() -> tls.currentConnections() == 0);
            }
            TlsFixture.store(tern.spool(), "someone@clear.test", clock.millis());
            TlsFixture.store(tern.spool(), "someone@relay.test", clock.millis());
            tern.delivery().wake();
            clear.awaitMessageCount(1, Duration.ofSeconds(10));
            relay.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(tls.messages()).allSatisfy(m -> assertThat(m.tls()).isTrue());
            assertThat(tls.connectionsAccepted()).isEqualTo(2);

            TlsReports reports = tern.tlsPolicies().reports();
            LocalDate day = LocalDate.parse("2026-12-01");
            await().untilAsserted(() -> assertThat(reports.domains(day)).containsExactly("clear.test", "plain.test"));
            JsonNode plain = reports.report("plain.test", day, "x").path("policies");
            assertThat(plain).hasSize(1);
            assertThat(plain.get(0).path("policy").path("policy-type").asText()).isEqualTo("no-policy-found");
            assertThat(plain.get(0).path("policy").path("policy-domain").asText())
                    .isEqualTo("plain.test");
            assertThat(plain.get(0)
                            .path("summary")
                            .path("total-successful-session-count")
                            .asLong())
                    .isEqualTo(2);
            assertThat(plain.get(0)
                            .path("summary")
                            .path("total-failure-session-count")
                            .asLong())
                    .isZero();
            JsonNode cleared =
                    reports.report("clear.test", day, "x").path("policies").get(0);
            assertThat(cleared.path("summary")
                            .path("total-successful-session-count")
                            .asLong())
                    .isZero();
            assertThat(cleared.path("summary")
                            .path("total-failure-session-count")
                            .asLong())
                    .isEqualTo(1);
            JsonNode detail = cleared.path("failure-details").get(0);
            assertThat(detail.path("result-type").asText()).isEqualTo("starttls-not-supported");
            assertThat(detail.path("receiving-mx-hostname").asText()).isEqualTo("mx.clear.test");
            assertThat(detail.path("receiving-ip").asText()).isEqualTo("127.0.0.2");
            assertThat(detail.path("failed-session-count").asLong()).isEqualTo(1);

            // the next day, the report goes to plain.test's rua (clear.test publishes none)
            clock.set(Instant.parse("2026-12-02T00:31:00Z").toEpochMilli());
            List<TlsReportSender.Sent> sent = tern.tlsPolicies().sendDue();
            assertThat(sent).singleElement().satisfies(s -> {
                assertThat(s.domain()).isEqualTo("plain.test");
                assertThat(s.rua()).isEqualTo("mailto:tlsrpt@reports.test");
            });
            tls.awaitMessageCount(3, Duration.ofSeconds(10));
            String text = tls.messages().stream()
                    .filter(m -> m.recipients().contains("tlsrpt@reports.test"))
                    .findFirst()
                    .orElseThrow()
                    .text();
            JsonNode report = MtaStsDeliveryTest.attachedReport(text);
            JsonNode p = report.path("policies").get(0).path("policy");
            assertThat(p.path("policy-type").asText()).isEqualTo("no-policy-found");
            assertThat(p.path("policy-domain").asText()).isEqualTo("plain.test");
            assertThat(p.has("policy-string")).as("no policy to quote").isFalse();
            assertThat(p.has("mx-host")).isFalse();
            assertThat(report.path("policies")
                            .get(0)
                            .path("summary")
                            .path("total-successful-session-count")
                            .asLong())
                    .isEqualTo(2);
        }
    }
}
