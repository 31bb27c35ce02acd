package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.VerificationResult;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TLS-RPT reports sent by mail are DKIM-signed by the reporting domain (RFC 8460 section 5.3) with
 * the key configured for it under {@code dkim.domains}, and verify at the receiver; without a key for
 * that domain they go out unsigned.
 */
class TlsReportSigningTest extends TlsPolicyTestBase {
    @BeforeEach
    void publish() {
        dns.mx("plain.test", 10, "mx.plain.test", 300)
                .a("mx.plain.test", "127.0.0.1", 300)
                .txt("_smtp._tls.plain.test", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test", 300)
                .mx("reports.test", 10, "mx.reports.test", 300)
                .a("mx.reports.test", "127.0.0.1", 300);
    }

    private static Path ed25519Key(Path file) throws Exception {
        byte[] der = KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair()
                .getPrivate()
                .getEncoded();
        Files.writeString(
                file,
                "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(der)
                        + "\n-----END PRIVATE KEY-----\n");
        return file;
    }

    /** Delivers one message to plain.test, then sends the day's report; returns the report mail as received. */
    private ReceivedMessage report(String dkimSection) throws Exception {
        try (SmtpSink sink = SmtpSink.builder().startTls(true).start();
                TernServer tern = TlsFixture.tern(
                        dir, clock, dns.port(), sink.port(), """
                        idle_connection_timeout: 0s
                        tls:
                          dane: { validation: "off" }
                          report: { directory: "%s", organization_name: Tern Test, from: tlsrpt@reporter.test }
                        """.formatted(dir.resolve("tls-rpt")), dkimSection)) {
            TlsFixture.store(tern.spool(), "user@plain.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            LocalDate day = LocalDate.parse("2026-12-01");
            await().untilAsserted(() ->
                    assertThat(tern.tlsPolicies().reports().domains(day)).containsExactly("plain.test"));
            clock.set(Instant.parse("2026-12-02T00:31:00Z").toEpochMilli());
            assertThat(tern.tlsPolicies().sendDue())
                    .singleElement()
                    .satisfies(s -> assertThat(s.rua()).isEqualTo("mailto:tlsrpt@reports.test"));
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            return sink.messages().stream()
                    .filter(m -> m.recipients().contains("tlsrpt@reports.test"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** {@link #report} with an Ed25519 key configured for {@code domain} only. */
    private ReceivedMessage reportWithKey(String domain, String selector, Path key) throws Exception {
        return report("""
                dkim:
                  domains:
                    %s:
                      - { selector: %s, key_file: "%s", algorithm: ed25519-sha256 }
                """.formatted(domain, selector, key));
    }

    @Test
    void reportMailIsSignedByTheReportingDomain() throws Exception {
        Path key = ed25519Key(dir.resolve("reporter.pem"));
        ReceivedMessage mail = reportWithKey("reporter.test", "rpt1", key);
        String text = new String(mail.data(), StandardCharsets.UTF_8);
        assertThat(text).startsWith("DKIM-Signature:").contains("d=reporter.test;", "s=rpt1;");
        DkimKey pub = DkimKey.load(key);
        List<VerificationResult> results = new DkimVerifier((selector, domain) ->
                        selector.equals("rpt1") && domain.equals("reporter.test") ? pub.dnsRecord() : null)
                .verify(mail.data());
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.passed()).as("signature verifies: %s", r).isTrue();
            assertThat(r.domain()).isEqualTo("reporter.test");
        });
        assertThat(MtaStsDeliveryTest.attachedReport(mail.text())
                        .path("policies")
                        .get(0)
                        .path("policy")
                        .path("policy-domain")
                        .asText())
                .isEqualTo("plain.test");
    }

    @Test
    void withoutAKeyForTheReportingDomainTheReportGoesOutUnsigned() throws Exception {
        Path key = ed25519Key(dir.resolve("other.pem"));
        ReceivedMessage mail = reportWithKey("other.test", "s1", key);
        assertThat(mail.text()).doesNotContain("DKIM-Signature:").contains("TLS-Report-Domain: plain.test");
    }
}
