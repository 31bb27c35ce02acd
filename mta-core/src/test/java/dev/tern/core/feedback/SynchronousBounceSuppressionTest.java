package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 550 5.1.1 at RCPT -> bounce event (userunknown) -> suppression -> the next injection is refused at RCPT. */
class SynchronousBounceSuppressionTest {
    @TempDir
    Path dir;

    @Test
    void userUnknownIsSuppressedAndRefusedAtRcptNextTime() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onRcpt(r -> r.contains("gone@")
                    ? "550 5.1.1 <gone@dest.test>: Recipient address rejected: User unknown in virtual mailbox table"
                    : null);
            Path log = dir.resolve("events.jsonl");
            try (TernServer tern = TernServer.start(
                            FeedbackFixture.config(dir, sink.port(), "events: { log: \"" + log + "\" }\n"));
                    InjectClient c = new InjectClient(tern.injectionAddress())) {
                assertThat(c.send(
                                "s@inject.test",
                                List.of("gone@dest.test", "fine@dest.test"),
                                FeedbackFixture.message(
                                        "s@inject.test", "gone@dest.test", "X-Tern-Campaign: spring\r\n", "hi")))
                        .startsWith("250");
                await().atMost(Duration.ofSeconds(20))
                        .until(() ->
                                tern.spool().suppression("", "gone@dest.test").isPresent());
                assertThat(tern.spool()
                                .suppression("", "gone@dest.test")
                                .orElseThrow()
                                .reason())
                        .isEqualTo("userunknown");
                assertThat(tern.spool().suppression("", "fine@dest.test")).isEmpty();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !FeedbackFixture.events(log, "bounce").isEmpty());
                JsonNode bounce = FeedbackFixture.events(log, "bounce").get(0);
                assertThat(bounce.get("recipient").asText()).isEqualTo("gone@dest.test");
                assertThat(bounce.get("reason").asText()).isEqualTo("userunknown");
                assertThat(bounce.get("hard").asBoolean()).isTrue();
                assertThat(bounce.get("campaign").asText()).isEqualTo("spring");

                String refused = c.command("MAIL FROM:<s@inject.test>");
                assertThat(refused).startsWith("250");
                assertThat(c.command("RCPT TO:<GONE@dest.test>"))
                        .startsWith(
                                "550 5.7.1 <GONE@dest.test>: recipient is on the suppression list (userunknown, since ");
                assertThat(c.command("RCPT TO:<fine@dest.test>")).startsWith("250");
                c.command("RSET");
                int before = sink.messageCount();
                // the whole transaction with only the suppressed recipient fails at RCPT
                assertThat(c.send(
                                "s@inject.test",
                                List.of("gone@dest.test"),
                                FeedbackFixture.message("s@inject.test", "gone@dest.test", "", "again")))
                        .startsWith("550 5.7.1");
                assertThat(sink.messageCount()).isEqualTo(before);
            }
        }
    }

    @Test
    void reportModeAcceptsDropsAndReportsSuppressedRecipients() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            Path log = dir.resolve("events.jsonl");
            try (TernServer tern = TernServer.start(FeedbackFixture.config(
                            dir, sink.port(), "events: { log: \"" + log + "\" }\nsuppression: { mode: report }\n"));
                    InjectClient c = new InjectClient(tern.injectionAddress())) {
                tern.spool()
                        .suppress(new dev.tern.queue.Suppression(
                                "acme", "blocked@dest.test", "manual", 1_700_000_000_000L))
                        .join();
                // another tenant's list does not apply
                assertThat(c.send(
                                "s@inject.test",
                                List.of("blocked@dest.test"),
                                FeedbackFixture.message(
                                        "s@inject.test", "blocked@dest.test", "X-Tern-Tenant: other\r\n", "a")))
                        .startsWith("250");
                String reply = c.send(
                        "s@inject.test",
                        List.of("blocked@dest.test", "ok@dest.test"),
                        FeedbackFixture.message(
                                "s@inject.test",
                                "ok@dest.test",
                                "X-Tern-Tenant: acme\r\nX-Tern-Campaign: c1\r\n",
                                "b"));
                assertThat(reply).startsWith("250").contains("1 suppressed");
                sink.awaitMessages(2, Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> FeedbackFixture.events(log, "delivery").size() == 2);
                List<JsonNode> suppressed = FeedbackFixture.events(log, "suppressed");
                assertThat(suppressed).hasSize(1);
                assertThat(suppressed.get(0).get("recipient").asText()).isEqualTo("blocked@dest.test");
                assertThat(suppressed.get(0).get("tenant").asText()).isEqualTo("acme");
                assertThat(suppressed.get(0).get("reason").asText()).isEqualTo("manual");
                assertThat(sink.messages().stream()
                                .flatMap(m -> m.recipients().stream())
                                .toList())
                        .containsExactlyInAnyOrder("blocked@dest.test", "ok@dest.test");
                assertThat(sink.messages().stream()
                                .filter(m -> m.recipients().contains("ok@dest.test"))
                                .findFirst()
                                .orElseThrow()
                                .recipients())
                        .containsExactly("ok@dest.test");
                assertThat(tern.feedback()
                                .campaigns()
                                .snapshot("c1")
                                .orElseThrow()
                                .suppressed())
                        .isEqualTo(1);
            }
        }
    }
}
