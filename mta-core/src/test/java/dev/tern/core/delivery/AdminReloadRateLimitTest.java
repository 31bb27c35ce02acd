package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 7: a reload through the admin API changes a rate limit, and the sink sees the new rate. */
class AdminReloadRateLimitTest {
    @TempDir
    Path dir;

    @Test
    void reloadThroughTheApiRaisesTheRateTheSinkObserves() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            Path shaping = DeliveryFixture.shaping(dir, "shaping.yaml", """
          rules:
            - { domains: [rate.test], max_connections: 2, max_message_rate: 10/s }
          """);
            Path file = Files.writeString(dir.resolve("tern.yaml"), """
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:0 }
          admin: { listen: 127.0.0.1:0, token: secret }
          events: { log: "%s" }
          routes: { rate.test: 127.0.0.1:%d }
          delivery: { shaping_file: "%s" }
          """.formatted(
                            dir.resolve("spool"), dir.resolve("events.jsonl"), sink.port(), shaping));
            try (TernServer tern = TernServer.start(ConfigLoader.load(file), Clock.systemUTC(), file)) {
                long now = System.currentTimeMillis();
                DeliveryFixture.store(tern.spool(), 100, "rate.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(12, Duration.ofSeconds(10));
                double before = rate(sink.messages());
                assertThat(before).as("messages/s before the reload").isLessThan(13);

                Files.writeString(shaping, """
            rules:
              - { domains: [rate.test], max_connections: 2, max_message_rate: 200/s }
            """);
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                                + tern.adminAddress().getPort() + "/api/v1/reload"))
                                        .header("Authorization", "Bearer secret")
                                        .POST(HttpRequest.BodyPublishers.noBody())
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                int atReload = sink.messageCount();
                long t0 = System.nanoTime();
                sink.awaitMessageCount(100, Duration.ofSeconds(10));
                double seconds = (System.nanoTime() - t0) / 1e9;
                // the rest at the old 10/s would take 7+ s
                assertThat((100 - atReload) / seconds)
                        .as("messages/s after the reload")
                        .isGreaterThan(25);
            }
        }
    }

    /** Messages per second between the first and the last received message. */
    private static double rate(List<ReceivedMessage> messages) {
        long first = messages.getFirst().receivedAtNanos(),
                last = messages.getLast().receivedAtNanos();
        return (messages.size() - 1) / ((last - first) / 1e9);
    }
}
