package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retry schedule, expiry, and what a failure defers, on a virtual clock. */
class RetryTest {
    private static final long T0 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;

    @TempDir
    Path dir;

    private static final String RETRY = """
        retry: { initial: 1m, multiplier: 2.0, max: 10m, jitter: 0 }
        max_age: 30m
      """;

    @Test
    void attemptsFollowTheScheduleAndTheMessageExpiresAtItsAgeLimit() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            List<Long> attemptTimes = new CopyOnWriteArrayList<>();
            sink.onRcpt(rcpt -> {
                attemptTimes.add(clock.millis());
                return "451 4.3.0 mailbox busy, try later";
            });
            TernConfig cfg =
                    config(dir, "routes: { \"*\": 127.0.0.1:%d }\ndelivery:\n%s".formatted(sink.port(), RETRY));
            try (TernServer tern = TernServer.start(cfg, clock)) {
                String id = store(tern, "m-retry", "later.test", List.of("a@later.test"), T0 + 30 * MIN);
                tern.delivery().wake();
                for (int attempt = 1; attempt <= 7; attempt++) {
                    int a = attempt;
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> attemptTimes.size() >= a && settled(tern, id, a));
                    List<QueueEntry> left = tern.spool().entries(id);
                    if (left.isEmpty()) break;
                    clock.set(left.getFirst().nextAttemptAt());
                    tern.delivery().wake();
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> tern.spool().entries(id).isEmpty());
            }
            // initial 1m, doubling, capped at 10m; the last retry falls on the age limit (30m)
            assertThat(attemptTimes.stream().map(t -> (t - T0) / MIN).toList())
                    .containsExactly(0L, 1L, 3L, 7L, 15L, 25L, 30L);
            List<JsonNode> events = DeliveryFixture.events(dir);
            assertThat(events.stream()
                            .filter(e -> type(e).equals("transient_failure"))
                            .count())
                    .isEqualTo(7);
            JsonNode expired = events.stream()
                    .filter(e -> type(e).equals("expiration"))
                    .findFirst()
                    .orElseThrow();
            assertThat(expired.path("reason").asText()).isEqualTo("expired");
            assertThat(expired.path("rcpt").asText(expired.path("recipient").asText()))
                    .isEqualTo("a@later.test");
            assertThat(expired.toString()).contains("451 4.3.0 mailbox busy");
            assertThat(events).noneMatch(e -> type(e).equals("delivery"));
        }
    }

    @Test
    void aConnectionLevelFailureDefersTheWholeSiteARecipientLevelOneOnlyThatRecipient() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onBanner("421 4.3.2 down for maintenance");
            // two domains, one site (the same route): a connection failure defers both
            TernConfig cfg = config(
                    dir,
                    "routes: { one.test: 127.0.0.1:%d, two.test: 127.0.0.1:%d }\ndelivery:\n%s"
                            .formatted(sink.port(), sink.port(), RETRY));
            try (TernServer tern = TernServer.start(cfg, clock)) {
                for (int i = 0; i < 10; i++) {
                    store(tern, "c1-" + i, "one.test", List.of("x" + i + "@one.test"), T0 + 30 * MIN);
                    store(tern, "c2-" + i, "two.test", List.of("y" + i + "@two.test"), T0 + 30 * MIN);
                }
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> count(dir, "transient_failure") == 20);
                int connections = sink.connectionsAccepted();
                assertThat(connections).isBetween(1, 20);
                // the site is down until the first retry time: new mail for it is deferred at once,
                // without a connection
                store(tern, "c3", "one.test", List.of("z@one.test"), T0 + 30 * MIN);
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> count(dir, "transient_failure") == 21);
                assertThat(sink.connectionsAccepted()).isEqualTo(connections);
                // recipient level: the site is back, one recipient is refused for now, the others are delivered
                sink.onBanner(null);
                sink.onRcpt(rcpt -> rcpt.startsWith("busy@") ? "452 4.2.2 mailbox full" : null);
                // (stored after the clock moves past the site's down time: stored before, a scan still
                // running could defer it once more for the down site, which doubles its backoff)
                clock.advance(Duration.ofMinutes(1).plusSeconds(1));
                store(tern, "r1", "two.test", List.of("ok1@two.test", "busy@two.test", "ok2@two.test"), T0 + 30 * MIN);
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.messageCount() == 22);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> tern.spool().entries("r1").size() == 1
                                && tern.spool().entries("r1").getFirst().open().size() == 1);
                QueueEntry r1 = tern.spool().entries("r1").getFirst();
                assertThat(r1.open().getFirst().address()).isEqualTo("busy@two.test");
                assertThat(r1.nextAttemptAt()).isEqualTo(clock.millis() + MIN);
                // and the site is not deferred by it: other mail for it goes at once
                store(tern, "r2", "one.test", List.of("now@one.test"), T0 + 30 * MIN);
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.messageCount() == 23);
                // the next attempt of r1 sends only the refused recipient
                sink.onRcpt(null);
                clock.advance(Duration.ofMinutes(1).plusSeconds(1));
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> tern.spool().entries("r1").isEmpty());
                List<String> r1Rcpts = sink.commands().stream()
                        .filter(c -> c.phase() == Phase.RCPT)
                        .map(Command::argument)
                        .filter(a -> a.endsWith("@two.test") && !a.startsWith("y"))
                        .toList();
                assertThat(r1Rcpts).containsExactly("ok1@two.test", "busy@two.test", "ok2@two.test", "busy@two.test");
            }
        }
    }

    private static boolean settled(TernServer tern, String id, int attempts) {
        List<QueueEntry> e = tern.spool().entries(id);
        return e.isEmpty()
                || (e.getFirst().attempts() >= attempts && tern.delivery().inFlight() == 0);
    }

    private static String type(JsonNode e) {
        return e.path("type").asText(e.path("event").asText());
    }

    private static long count(Path dir, String type) throws Exception {
        return DeliveryFixture.events(dir).stream()
                .filter(e -> type(e).equals(type))
                .count();
    }

    private static String store(TernServer tern, String id, String domain, List<String> rcpts, long expiresAt) {
        byte[] body = ("Subject: " + id + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        Envelope env = new Envelope(id, "sender@tern.test", "", "", "", false, T0, expiresAt, body.length, Map.of());
        List<RecipientState> rs = rcpts.stream().map(RecipientState::pending).toList();
        tern.spool()
                .store(env, body, List.of(new QueueEntry(env, domain, rs, 0, T0)))
                .join();
        return id;
    }
}
