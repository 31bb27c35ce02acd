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
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No outbound session negotiates TLS and quits without a transaction: with slow greetings (so that
 * the first connection ready could drain the lane while the others still say EHLO) and mail arriving
 * in two waves, every session the sink saw carries a MAIL command.
 */
class NoSessionWithoutMailTest {
    @TempDir
    Path dir;

    @Test
    void everyOutboundTlsSessionHasAMail() throws Exception {
        try (SmtpSink sink =
                SmtpSink.builder().address("127.0.0.1").port(0).startTls(true).start()) {
            // each greeting takes 2 x 300 ms (EHLO before and after STARTTLS); a transaction a few ms
            sink.delay(Phase.EHLO, Duration.ofMillis(300));
            TernConfig cfg = config(dir, """
          routes: { sessions.test: 127.0.0.1:%d }
          delivery: { max_connections_per_destination: 20 }
          """.formatted(sink.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 1, "sessions.test", false, now, now);
                tern.delivery().wake();
                // while the first connection still greets, ten more messages come: each opens a
                // connection, and the first connection ready could chain them all before the others
                // have said their second EHLO
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.connectionsAccepted() >= 1);
                store(tern.spool(), 10, "sessions.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(11, Duration.ofSeconds(20));
                // then a second wave of the same kind
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() == 0);
                store(tern.spool(), 1, "sessions.test", false, now, now);
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() >= 1);
                store(tern.spool(), 10, "sessions.test", false, now, now);
                tern.delivery().wake();
                sink.awaitMessageCount(22, Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() == 0);
            }
            Map<Integer, Set<Phase>> phases = sink.commands().stream()
                    .collect(Collectors.groupingBy(
                            Command::connectionId, Collectors.mapping(Command::phase, Collectors.toSet())));
            assertThat(phases).hasSize(sink.connectionsAccepted());
            assertThat(phases.values()).allSatisfy(p -> assertThat(p).contains(Phase.STARTTLS));
            assertThat(phases)
                    .as("sessions without MAIL")
                    .allSatisfy((id, p) -> assertThat(p).as("connection " + id).contains(Phase.MAIL));
            assertThat(sink.connectionsAccepted()).isGreaterThan(1);
        }
    }
}
