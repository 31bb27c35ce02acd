package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cached MTA-STS policies are refreshed ahead of expiry (RFC 8461 section 5.1), on virtual time:
 * not before half their max_age, then once (a second call while it runs or within the retry
 * interval starts nothing), and the refreshed policy keeps the domain under MTA-STS past the old
 * policy's expiry even when the policy host is broken by then.
 */
class MtaStsRefreshTest extends TlsPolicyTestBase {
    static final TestPki PKI = MtaStsDeliveryTest.PKI;

    TlsFixture.PolicyServer https;

    @BeforeEach
    void start() throws Exception {
        https = new TlsFixture.PolicyServer(MtaStsDeliveryTest.POLICY_CERT.jdkServer());
        TlsFixture.publishSts(dns);
    }

    @AfterEach
    void stop() {
        https.close();
    }

    static String policy(long maxAge) {
        return "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: " + maxAge + "\r\n";
    }

    @Test
    void aCachedPolicyIsRefreshedAfterHalfItsMaxAgeAndOutlivesTheOldExpiry() throws Exception {
        https.policy.set(policy(86_400));
        Path ca = PKI.writeCaPem(dir.resolve("ca.pem"));
        try (SmtpSink sink = SmtpSink.builder()
                        .tls(MtaStsDeliveryTest.MX_CERT.nettyServer())
                        .start();
                TernServer tern = TlsFixture.tern(dir, clock, dns.port(), sink.port(), """
                tls:
                  trust_store: "%s"
                  mta_sts: { https_port: %d, cache_file: "%s" }
                  dane: { validation: "off" }
                  report: { enabled: false }
                """.formatted(
                                ca, https.port(), dir.resolve("sts.json")))) {
            TlsFixture.store(tern.spool(), "a@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(https.fetches.get()).isEqualTo(1);

            clock.advance(Duration.ofHours(11)); // before half of max_age (12 h): nothing to refresh
            assertThat(tern.tlsPolicies().refreshStsPolicies()).isEmpty();

            clock.advance(Duration.ofHours(2)); // 13 h: refreshed, with the policy now served
            https.policy.set(policy(172_800));
            assertThat(tern.tlsPolicies().refreshStsPolicies()).containsExactly("sts.test");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.readString(dir.resolve("sts.json")).contains("max_age: 172800"));
            assertThat(https.fetches.get()).isEqualTo(2);
            assertThat(tern.tlsPolicies().refreshStsPolicies())
                    .as("refreshed just now: not due again")
                    .isEmpty();

            // 25 h: the first policy would have expired; the policy host now serves garbage
            clock.advance(Duration.ofHours(12));
            https.policy.set("not a policy");
            String id = TlsFixture.store(tern.spool(), "b@sts.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("delivery");
            assertThat(ev.path("tls_policy").asText()).isEqualTo("mta-sts");
            assertThat(https.fetches.get())
                    .as("the refreshed policy is current: no fetch")
                    .isEqualTo(2);
        }
    }
}
