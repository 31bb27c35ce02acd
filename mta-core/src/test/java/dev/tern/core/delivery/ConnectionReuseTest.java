package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection whose destination has no more mail stays open for {@code
 * delivery.idle_connection_timeout}: mail arriving meanwhile goes over it (no new connection,
 * banner and EHLO), and it ends with QUIT once the timeout passed without mail. With a timeout of
 * 0s every wave of mail opens its own connection.
 */
class ConnectionReuseTest {
    @TempDir
    Path dir;

    @Test
    void anIdleConnectionTakesTheNextMailAndQuitsAfterTheIdleTimeout() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig cfg = config(dir, """
          routes: { reuse.test: 127.0.0.1:%d }
          delivery: { idle_connection_timeout: 3s }
          """.formatted(sink.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 1, "reuse.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(1, Duration.ofSeconds(10));
                // the lane is empty after each; the next message comes well within the idle timeout
                for (int n = 2; n <= 3; n++) {
                    store(tern.spool(), 1, "reuse.test", false, now, now);
                    tern.delivery().wake();
                    sink.awaitMessageCount(n, Duration.ofSeconds(10));
                }
                assertThat(sink.connectionsAccepted())
                        .as("connections for three messages")
                        .isEqualTo(1);
                long last = sink.messages().stream()
                        .mapToLong(m -> m.receivedAtNanos())
                        .max()
                        .orElseThrow();
                await().atMost(Duration.ofSeconds(15)).until(() -> sink.currentConnections() == 0);
                long idleNanos = System.nanoTime() - last;
                assertThat(TimeUnit.NANOSECONDS.toMillis(idleNanos))
                        .as("ms from the last message to the end of the connection")
                        .isGreaterThanOrEqualTo(2_900);
                assertThat(sink.commands()).extracting(Command::phase).contains(Phase.QUIT);
            }
        }
    }

    @Test
    void withAnIdleTimeoutOfZeroTheConnectionQuitsAtOnce() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig cfg = config(dir, """
          routes: { reuse.test: 127.0.0.1:%d }
          delivery: { idle_connection_timeout: 0s }
          """.formatted(sink.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 1, "reuse.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(1, Duration.ofSeconds(10));
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() == 0);
                store(tern.spool(), 1, "reuse.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(2, Duration.ofSeconds(10));
                assertThat(sink.connectionsAccepted()).isEqualTo(2);
            }
        }
    }
}
