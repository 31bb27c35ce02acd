package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.maxInWindow;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.ConnectionStats;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traffic shaping measured at real SMTP sinks on loopback. */
class ShapingTest {
    @TempDir
    Path dir;

    @Test
    void maxConnectionsAndMaxMessageRateAreNeverExceededAtTheSink() throws Exception {
        try (SmtpSink slow = SmtpSink.builder().address("127.0.0.1").port(0).start();
                SmtpSink rated = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            // a slow server: connections are what limits throughput there
            slow.delay(Phase.DATA_END, Duration.ofMillis(8));
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          rules:
            - name: slow-site
              domains: [slow.test]
              max_connections: 3
              max_messages_per_connection: 40
            - name: rated-site
              domains: [rated.test]
              max_connections: 10
              max_message_rate: 250/s
          """);
            TernConfig cfg = config(dir, """
          routes:
            slow.test: 127.0.0.1:%d
            rated.test: 127.0.0.1:%d
          delivery:
            shaping_file: "%s"
          """.formatted(slow.port(), rated.port(), shaping));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 1500, "slow.test", false, now, now);
                store(tern.spool(), 1500, "rated.test", false, now, now);
                tern.delivery().wake();
                slow.awaitMessageCount(1500, Duration.ofSeconds(40));
                rated.awaitMessageCount(1500, Duration.ofSeconds(40));
            }
            // max_connections: reached, never exceeded; max_messages_per_connection honoured
            assertThat(slow.maxConcurrentConnections()).isEqualTo(3);
            assertThat(slow.connectionStats())
                    .allSatisfy(c -> assertThat(c.messages()).isLessThanOrEqualTo(40));
            assertThat(slow.connectionStats().stream()
                            .mapToInt(ConnectionStats::messages)
                            .sum())
                    .isEqualTo(1500);
            // max_message_rate 250/s, a token bucket with a burst of one: at most 250 * T + 1 tokens in
            // any window T. The sink stamps a message when its data ends, a few ms after Tern took the
            // token (10 connections, a loaded 2-core machine), so windows at the sink get 20 ms of slack:
            // at most 250 * (T + 20 ms) + 1 (a rate 10 % too high would still exceed it in the 2 s window)
            List<Long> times = rated.messages().stream()
                    .map(ReceivedMessage::receivedAtNanos)
                    .sorted()
                    .toList();
            assertThat(times).hasSize(1500);
            assertThat(maxInWindow(times, TimeUnit.SECONDS.toNanos(1))).isLessThanOrEqualTo(256);
            assertThat(maxInWindow(times, TimeUnit.MILLISECONDS.toNanos(200))).isLessThanOrEqualTo(56);
            assertThat(maxInWindow(times, TimeUnit.SECONDS.toNanos(2))).isLessThanOrEqualTo(506);
            // and the rate is used, not just respected: the run takes about 1500/250 = 6 s
            long spanMillis = TimeUnit.NANOSECONDS.toMillis(times.getLast() - times.getFirst());
            assertThat(spanMillis).isBetween(5_900L, 20_000L);
            assertThat(rated.maxConcurrentConnections()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void a421MatchingAnAutomationRuleSuspendsTheSiteForItsDurationThenDeliveryResumes() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            List<Long> connects = new CopyOnWriteArrayList<>();
            AtomicInteger n = new AtomicInteger();
            sink.onCommand(c -> {
                if (c.phase() != Phase.CONNECT) return null;
                connects.add(System.nanoTime());
                return n.incrementAndGet() == 1 ? "421 4.7.0 Too many connections from your IP, slow down" : null;
            });
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          rules:
            - { domains: [busy.test], max_connections: 1 }
          automation:
            - name: busy
              code: "421"
              text: "(?i)too many connections"
              action: suspend
              duration: 2s
          """);
            TernConfig cfg = config(dir, """
          routes:
            busy.test: 127.0.0.1:%d
          delivery:
            shaping_file: "%s"
            retry: { initial: 30s, multiplier: 2.0, max: 1m, jitter: 0 }
          """.formatted(sink.port(), shaping));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 20, "busy.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(20, Duration.ofSeconds(15));
            }
            long t0 = connects.getFirst();
            // nothing reached the site during the suspension: the next connection came 2 s after the 421
            assertThat(connects).hasSizeGreaterThanOrEqualTo(2);
            assertThat(TimeUnit.NANOSECONDS.toMillis(connects.get(1) - t0)).isBetween(2000L, 4000L);
            assertThat(sink.messages())
                    .allSatisfy(m -> assertThat(m.receivedAtNanos() - t0).isGreaterThan(TimeUnit.SECONDS.toNanos(2)));
            // the mail waited in its queue: no deferral (the retry delay of 30 s would have shown), all delivered
            List<JsonNode> events = DeliveryFixture.events(dir);
            assertThat(events).noneMatch(e -> e.path("type").asText().equals("transient_failure"));
            assertThat(events.stream()
                            .filter(e -> e.path("type").asText().equals("delivery"))
                            .count())
                    .isEqualTo(20);
        }
    }
}
