package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One NXDOMAIN can be a DNS glitch: the hard bounce marks the address pending; a second one
 * before {@code suppression.confirm_after} changes nothing more; one after the window suppresses
 * (events say {@code suppressed: pending} then {@code yes}); the pending mark survives a restart.
 * Real DNS answers (in-process server), delivery and retry time on a virtual clock.
 */
class SuppressionConfirmationTest {
    @TempDir
    Path dir;

    @Test
    void nxdomainSuppressesOnlyWhenASecondOneComesAfterTheWindow() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T08:00:00Z"));
        Path log = TestConfig.eventLog(dir);
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.nxdomain("gone.test").negativeTtl(60);
            String yaml = """
              dns: { servers: ["127.0.0.1:%d"], timeout: 2s, attempts: 1 }
              suppression: { confirm_after: 1h }
              """.formatted(dns.port());
            try (TernServer tern = TernServer.start(TestConfig.of(dir, true, yaml), clock)) {
                send(tern, "first");
                awaitBounces(log, 1);
                assertThat(bounces(log).get(0).get("suppressed").asText()).isEqualTo("pending");
                assertThat(bounces(log).get(0).get("reason").asText()).isEqualTo("hostunknown");
                assertThat(tern.spool().suppression("", "user@gone.test")).isEmpty();

                clock.advance(Duration.ofMinutes(30)); // inside the window
                send(tern, "second");
                awaitBounces(log, 2);
                assertThat(bounces(log).get(1).get("suppressed").asText()).isEqualTo("pending");
                assertThat(tern.spool().suppression("", "user@gone.test")).isEmpty();
            }
            // the pending mark is in the spool: it still counts from the first answer after a restart
            try (TernServer tern = TernServer.start(TestConfig.of(dir, true, yaml), clock)) {
                clock.advance(Duration.ofMinutes(31)); // 61 minutes after the first NXDOMAIN
                send(tern, "third");
                awaitBounces(log, 3);
                assertThat(bounces(log).get(2).get("suppressed").asText()).isEqualTo("yes");
                await().atMost(Duration.ofSeconds(5))
                        .until(() ->
                                tern.spool().suppression("", "user@gone.test").isPresent());
                assertThat(tern.spool()
                                .suppression("", "user@gone.test")
                                .orElseThrow()
                                .reason())
                        .isEqualTo("hostunknown");
            }
        }
    }

    @Test
    void userUnknownAtRcptSuppressesAtOnceAndConfirmationCanBeTurnedOff() {
        // the policy alone, on the spool: reasons outside confirm_reasons, or confirm_after 0, suppress at once
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T08:00:00Z"));
        try (var spool = dev.tern.queue.Spool.open(dev.tern.queue.SpoolSettings.defaults(dir.resolve("s")))) {
            var settings = TestConfig.of(dir, false, "").suppression();
            SuppressionPolicy p = new SuppressionPolicy(spool, settings, clock);
            assertThat(p.hardBounce("t", "a@x.test", "userunknown").outcome()).isEqualTo(SuppressionPolicy.Outcome.YES);
            assertThat(p.hardBounce("t", "b@x.test", "mailboxfull").outcome())
                    .isEqualTo(SuppressionPolicy.Outcome.NONE);
            assertThat(p.hardBounce("t", "c@x.test", "hostunknown").outcome())
                    .isEqualTo(SuppressionPolicy.Outcome.PENDING);
            var immediate = new dev.tern.core.config.TernConfig.SuppressionSettings(
                    settings.mode(), settings.reasons(), Duration.ZERO, settings.confirmReasons());
            SuppressionPolicy now = new SuppressionPolicy(spool, immediate, clock);
            now.hardBounce("t", "d@x.test", "hostunknown").write().join();
            assertThat(spool.suppression("t", "d@x.test")).isPresent();
            assertThat(spool.suppression("t", "a@x.test")).isPresent();
            assertThat(spool.suppression("t", "c@x.test")).isEmpty();
        }
    }

    private static void send(TernServer tern, String body) throws Exception {
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            assertThat(c.send(
                            "s@inject.test",
                            List.of("user@gone.test"),
                            FeedbackFixture.message("s@inject.test", "user@gone.test", "", body)))
                    .startsWith("250");
        }
        tern.delivery().wake();
    }

    private static List<JsonNode> bounces(Path log) {
        return TestConfig.events(log).stream()
                .filter(e -> e.get("type").asText().equals("bounce"))
                .toList();
    }

    private static void awaitBounces(Path log, int n) {
        await().atMost(Duration.ofSeconds(15)).until(() -> bounces(log).size() >= n);
    }
}
