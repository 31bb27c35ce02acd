package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The configured policies of {@code delivery.tls} (per domain), without any published policy. */
class ConfiguredPolicyTest extends TlsPolicyTestBase {
    static final TestPki PKI = new TestPki("Tern Config CA");
    static final TestPki.Leaf MX_CERT = PKI.issue("mx.conf.test");

    @BeforeEach
    void start() throws Exception {
        for (String d : new String[] {"req.test", "ver.test", "plain.test", "shaped.test"})
            dns.mx(d, 10, "mx.conf.test", 300);
        dns.a("mx.conf.test", "127.0.0.1", 300);
        dns.mx("wrongname.test", 10, "mx.wrongname.test", 300).a("mx.wrongname.test", "127.0.0.1", 300);
    }

    TernServer tern(int port) throws Exception {
        return tern(port, "");
    }

    TernServer tern(int port, String shapingFile) throws Exception {
        return TlsFixture.tern(dir, clock, dns.port(), port, """
                shaping_file: "%s"
                tls:
                  policy: opportunistic
                  policies: { req.test: required, "*.ver.test": verify, ver.test: verify, wrongname.test: verify }
                  trust_store: "%s"
                  mta_sts: { cache_file: "%s" }
                  report: { directory: "%s" }
                """.formatted(
                shapingFile, PKI.writeCaPem(dir.resolve("ca.pem")), dir.resolve("sts.json"), dir.resolve("tls-rpt")));
    }

    @Test
    void requiredDefersAtAServerWithoutStartTlsWhileOpportunisticDelivers() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().startTls(false).start();
                TernServer tern = tern(sink.port())) {
            String req = TlsFixture.store(tern.spool(), "a@req.test", clock.millis());
            String plain = TlsFixture.store(tern.spool(), "b@plain.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, req);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText())
                    .startsWith("451 4.7.5")
                    .contains("does not offer STARTTLS, which TLS policy required requires");
            JsonNode ok = TlsFixture.outcome(dir, plain);
            assertThat(ok.path("type").asText()).isEqualTo("delivery");
            assertThat(ok.path("tls_policy").asText()).isEqualTo("none");
            assertThat(sink.messages())
                    .singleElement()
                    .satisfies(m -> assertThat(m.recipients()).containsExactly("b@plain.test"));
            // the required domain's mail never reached MAIL on its connection
            assertThat(sink.commands().stream().filter(c -> c.phase() == Phase.RCPT))
                    .noneMatch(c -> c.line().contains("req.test"));
        }
    }

    @Test
    void verifyDeliversWithATrustedCertificateForTheMxName() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "c@ver.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(sink.messages().getFirst().tls()).isTrue();
            assertThat(TlsFixture.outcome(dir, id).path("tls_policy").asText()).isEqualTo("verify");
        }
    }

    @Test
    void verifyDefersWhenTheCertificateIsForAnotherName() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "d@wrongname.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText()).startsWith("451 4.7.5").contains("not valid for that name");
            assertThat(sink.messageCount()).isZero();
            assertThat(sink.commands()).noneMatch(c -> c.phase() == Phase.MAIL);
        }
    }

    @Test
    void aShapingRulesTlsPolicyAppliesToTheDomainsOfTheMxHostsItMatches() throws Exception {
        Path shaping = java.nio.file.Files.writeString(dir.resolve("shaping.yaml"), """
                rules:
                  - { name: strict-host, mx: ["*.conf.test"], tls_policy: required }
                """);
        try (SmtpSink sink = SmtpSink.builder().startTls(false).start();
                TernServer tern = tern(sink.port(), shaping.toString())) {
            String shaped = TlsFixture.store(tern.spool(), "f@shaped.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, shaped);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText()).contains("which TLS policy required requires");
            assertThat(sink.messageCount()).isZero();
        }
    }
}
