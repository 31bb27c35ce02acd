package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.dns.TestDnsServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MX sites from real DNS answers (shared queues and limits, MX fallback) and limits changed by a reload. */
class SitesAndReloadTest {
    @TempDir
    Path dir;

    @Test
    void domainsWithTheSameMxHostsShareOneSiteQueueAndItsLimitsAndTheNextMxTakesOverWhenTheFirstRefuses()
            throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
                SmtpSink shared =
                        SmtpSink.builder().address("127.0.0.2").port(0).start();
                SmtpSink backup = SmtpSink.builder()
                        .address("127.0.0.4")
                        .port(shared.port())
                        .start()) {
            dns.mx("a.test", 10, "mx1.shared.test", 300)
                    .mx("b.test", 10, "mx1.shared.test", 300)
                    .a("mx1.shared.test", "127.0.0.2", 300)
                    // c.test: the first MX (nothing listens on 127.0.0.3) refuses connections, the second takes the
                    // mail
                    .mx("c.test", 10, "mx1.down.test", 300)
                    .mx("c.test", 20, "mx2.up.test", 300)
                    .a("mx1.down.test", "127.0.0.3", 300)
                    .a("mx2.up.test", "127.0.0.4", 300);
            shared.delay(Phase.DATA_END, Duration.ofMillis(10));
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          rules:
            - { name: shared-provider, mx: ["*.shared.test"], max_connections: 2 }
          """);
            TernConfig cfg = config(dir, """
          dns: { servers: ["127.0.0.1:%d"] }
          delivery: { smtp_port: %d, shaping_file: "%s" }
          """.formatted(dns.port(), shared.port(), shaping));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 150, "a.test", false, now, now);
                store(tern.spool(), 150, "b.test", false, now, now);
                store(tern.spool(), 20, "c.test", false, now, now);
                tern.delivery().wake();
                shared.awaitMessageCount(300, Duration.ofSeconds(30));
                backup.awaitMessageCount(20, Duration.ofSeconds(10));
                // one queue for both domains, keyed by the site
                assertThat(tern.delivery().destinations())
                        .extracting(DestinationStatus::key)
                        .containsExactlyInAnyOrder("mx:mx1.shared.test", "mx:mx1.down.test,mx2.up.test");
                assertThat(tern.delivery()
                                .siteLimits(SiteKey.parse("mx:mx1.shared.test"))
                                .orElseThrow()
                                .maxConnections())
                        .isEqualTo(2);
            }
            // both domains' mail went through the site's two connections (separate queues would have used four)
            assertThat(shared.maxConcurrentConnections()).isEqualTo(2);
            assertThat(shared.messages())
                    .extracting(m -> m.recipients()
                            .getFirst()
                            .substring(m.recipients().getFirst().indexOf('@')))
                    .containsOnly("@a.test", "@b.test");
            assertThat(backup.messages())
                    .allSatisfy(m -> assertThat(m.recipients().getFirst()).endsWith("@c.test"));
        }
    }

    @Test
    void aReloadChangesASitesLimitsWithoutRestartAndWithoutDroppingDeliveriesInProgress() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.delay(Phase.DATA_END, Duration.ofMillis(30));
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          rules:
            - { domains: [reload.test], max_connections: 1, max_message_rate: 20/s }
          """);
            TernConfig cfg = config(dir, """
          routes: { reload.test: 127.0.0.1:%d }
          delivery: { shaping_file: "%s" }
          """.formatted(sink.port(), shaping));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 120, "reload.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(30, Duration.ofSeconds(10));
                assertThat(sink.maxConcurrentConnections()).isEqualTo(1);
                Files.writeString(shaping, """
            rules:
              - { domains: [reload.test], max_connections: 4, max_message_rate: 1000/s }
            """);
                long reloadedAt = System.nanoTime();
                tern.reload(); // what SIGHUP and the admin API's reload call
                assertThat(tern.delivery()
                                .siteLimits(new SiteKey.Relay("127.0.0.1", sink.port()))
                                .orElseThrow()
                                .maxConnections())
                        .isEqualTo(4);
                sink.awaitMessageCount(120, Duration.ofSeconds(10));
                // at the old 20/s the remaining 90 would have taken 4.5 s
                assertThat(Duration.ofNanos(System.nanoTime() - reloadedAt)).isLessThan(Duration.ofMillis(3500));
            }
            assertThat(sink.maxConcurrentConnections()).isBetween(2, 4);
            // nothing dropped or sent twice: every message delivered exactly once, no deferral
            assertThat(sink.messageCount()).isEqualTo(120);
            assertThat(sink.messages().stream()
                            .map(DeliveryFixture::id)
                            .distinct()
                            .count())
                    .isEqualTo(120);
            List<JsonNode> events = DeliveryFixture.events(dir);
            assertThat(events.stream()
                            .filter(e -> e.path("type").asText().equals("delivery"))
                            .count())
                    .isEqualTo(120);
            assertThat(events).noneMatch(e -> e.path("type").asText().equals("transient_failure"));
        }
    }
}
