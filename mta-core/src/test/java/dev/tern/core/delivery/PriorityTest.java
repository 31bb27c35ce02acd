package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transactional mail does not wait behind bulk; X-Tern-Deliver-After holds mail until its time. */
class PriorityTest {
    @TempDir
    Path dir;

    @Test
    void aTransactionalMessageOvertakesTwentyThousandQueuedBulkMessages() throws Exception {
        try (SmtpSink sink = SmtpSink.builder()
                .address("127.0.0.1")
                .port(0)
                .keepMessages(true)
                .start()) {
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          ready_limit: 500
          rules:
            - { domains: [provider.test], max_connections: 2, max_message_rate: 200/s }
          """);
            TernConfig cfg = config(dir, """
          routes: { provider.test: 127.0.0.1:%d }
          delivery: { shaping_file: "%s" }
          """.formatted(sink.port(), shaping));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 20_000, "provider.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(200, Duration.ofSeconds(20));
                // the backlog beyond the ready lane (500) went back to the spool, spread at the site's pace
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> tern.delivery().inFlight() < 1000);
                java.util.concurrent.atomic.AtomicLong spooledAt = new java.util.concurrent.atomic.AtomicLong();
                tern.events().register(e -> {
                    if (e.is(dev.tern.core.events.EventType.RECEPTION)) spooledAt.set(System.nanoTime());
                });
                // a password reset for the same throttled site, injected over SMTP with the priority header
                RawSmtp.Sent sent =
                        RawSmtp.sendTimed(tern.injectionAddress(), "noreply@shop.test", "alice@provider.test", """
            From: <noreply@shop.test>\r
            To: <alice@provider.test>\r
            Subject: password reset\r
            X-Tern-Priority: transactional\r
            \r
            your code is 123456\r
            """);
                assertThat(sent.reply()).startsWith("250");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> sink.messages().stream().anyMatch(PriorityTest::isReset));
                List<ReceivedMessage> got = sink.messages();
                ReceivedMessage reset =
                        got.stream().filter(PriorityTest::isReset).findFirst().orElseThrow();
                // bulk messages that reached the site between the end of the reset's DATA and its arrival
                long bulkAhead = got.stream()
                        .filter(m -> !isReset(m))
                        .filter(m -> m.receivedAtNanos() > sent.dataEndNanos()
                                && m.receivedAtNanos() < reset.receivedAtNanos())
                        .count();
                System.out.println(
                        "bulk messages delivered between the transactional message's end of DATA and its arrival: "
                                + bulkAhead
                                + " (" + (reset.receivedAtNanos() - sent.dataEndNanos()) / 1_000_000
                                + " ms; spooled after "
                                + (spooledAt.get() - sent.dataEndNanos()) / 1_000_000 + " ms)");
                // it went out within a few delivery slots (2 connections at 200/s), not after the
                // 19,000+ bulk messages still queued (about 100 s at that rate)
                assertThat(bulkAhead).isLessThanOrEqualTo(10);
                assertThat(reset.text()).doesNotContain("X-Tern-Priority");
                assertThat(got.size()).isLessThan(5_000);
            }
        }
    }

    @Test
    void deliverAfterHoldsAMessageUntilItsTime() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig cfg = config(dir, "routes: { \"*\": 127.0.0.1:%d }\n".formatted(sink.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                Instant at = Instant.now().plusMillis(2500);
                String when =
                        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at.atOffset(java.time.ZoneOffset.ofHours(2)));
                RawSmtp.send(tern.injectionAddress(), "a@shop.test", "later@dest.test", """
            Subject: held\r
            X-Tern-Deliver-After: %s\r
            \r
            body\r
            """.formatted(when));
                RawSmtp.send(tern.injectionAddress(), "a@shop.test", "now@dest.test", "Subject: now\r\n\r\nbody\r\n");
                sink.awaitMessageCount(1, Duration.ofSeconds(5));
                long nowSentAt = System.nanoTime();
                assertThat(sink.messages())
                        .extracting(m -> m.recipients().getFirst())
                        .containsExactly("now@dest.test");
                sink.awaitMessageCount(2, Duration.ofSeconds(10));
                ReceivedMessage held = sink.messages().get(1);
                assertThat(held.recipients()).containsExactly("later@dest.test");
                assertThat(held.text()).doesNotContain("X-Tern-Deliver-After");
                assertThat(Instant.now()).isAfterOrEqualTo(at);
                // the held one arrived at its time, not with the first: about 2.5 s after it
                assertThat(held.receivedAtNanos() - sink.messages().get(0).receivedAtNanos())
                        .isGreaterThan(Duration.ofMillis(1500).toNanos());
                assertThat(held.receivedAtNanos()).isGreaterThan(nowSentAt);
            }
        }
    }

    private static boolean isReset(ReceivedMessage m) {
        return m.recipients().contains("alice@provider.test");
    }
}
