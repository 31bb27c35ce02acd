package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.smtp.MessageContent;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session whose only mail is refused locally (SMTPUTF8 needed but not offered, an 8-bit body
 * without 8BITMIME) decides so from the server's first EHLO and quits before STARTTLS: no TLS
 * session ends without a MAIL command. Mail that can go still gets TLS, and a refused message
 * queued beside a sendable one shares its TLS session. Counted at the sink.
 */
class NoTlsSessionForRefusedMailTest {
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    Path dir;

    @Test
    void refusedOnlyMailQuitsBeforeStartTls() throws Exception {
        try (SmtpSink sink = SmtpSink.builder()
                .address("127.0.0.1")
                .port(0)
                .startTls(true)
                .smtpUtf8(false)
                .eightBitMime(false)
                .start()) {
            TernConfig cfg = config(dir, """
          routes: { plain.test: 127.0.0.1:%d }
          delivery: { idle_connection_timeout: 0s }
          """.formatted(sink.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                Map<String, Event> outcome = DeliveryFixture.outcomes(tern);
                // one message needing SMTPUTF8 (raw UTF-8 header), alone in its session
                store(tern.spool(), "utf8@plain.test", MessageContent.UTF8_HEADERS, "Subject: Grüße\r\n\r\nascii\r\n");
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> outcome.containsKey("utf8@plain.test"));
                // one with an 8-bit body, alone in its session
                store(tern.spool(), "8bit@plain.test", MessageContent.EIGHT_BIT, "Subject: x\r\n\r\nÄpfel\r\n");
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10)).until(() -> outcome.containsKey("8bit@plain.test"));
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() == 0);
                int beforeSendable = sink.connectionsAccepted();
                // a refused one and a sendable one queued together: TLS for the sendable one, the
                // refused one refused before or after STARTTLS, never a TLS session without MAIL
                store(
                        tern.spool(),
                        "utf8-2@plain.test",
                        MessageContent.UTF8_HEADERS,
                        "Subject: Grüße\r\n\r\nascii\r\n");
                store(tern.spool(), "ascii@plain.test", MessageContent.SEVEN_BIT, "Subject: x\r\n\r\nascii\r\n");
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                outcome.containsKey("utf8-2@plain.test") && outcome.containsKey("ascii@plain.test"));
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.currentConnections() == 0);

                Event utf8 = outcome.get("utf8@plain.test");
                assertThat(utf8.kind()).isEqualTo(EventType.BOUNCE);
                assertThat(utf8.reply()).startsWith("553 5.6.7").contains("refused locally");
                assertThat(utf8.reason()).isEqualTo("contenterror");
                Event eightBit = outcome.get("8bit@plain.test");
                assertThat(eightBit.kind()).isEqualTo(EventType.BOUNCE);
                assertThat(eightBit.reply()).startsWith("554 5.6.3");
                assertThat(outcome.get("utf8-2@plain.test").reply()).startsWith("553 5.6.7");
                assertThat(outcome.get("ascii@plain.test").kind()).isEqualTo(EventType.DELIVERY);

                Map<Integer, Set<Phase>> phases = sink.commands().stream()
                        .collect(Collectors.groupingBy(
                                Command::connectionId, Collectors.mapping(Command::phase, Collectors.toSet())));
                // the two lone refused messages: EHLO and QUIT in clear text, nothing else
                for (int id = 1; id <= beforeSendable; id++) {
                    assertThat(phases.get(id))
                            .as("connection %d of a lone refused message", id)
                            .containsExactlyInAnyOrder(Phase.CONNECT, Phase.EHLO, Phase.QUIT);
                }
                assertThat(beforeSendable).isEqualTo(2);
                assertThat(phases).as("TLS sessions without MAIL").allSatisfy((id, p) -> {
                    if (p.contains(Phase.STARTTLS))
                        assertThat(p).as("connection " + id).contains(Phase.MAIL);
                });
                assertThat(phases.values()).anySatisfy(p -> assertThat(p).contains(Phase.STARTTLS, Phase.MAIL));
                assertThat(sink.messageCount()).isEqualTo(1);
                assertThat(sink.messages().getFirst().tls()).isTrue();
            }
        }
    }

    /** Stores one message for one recipient with its recorded content kind and waits until durable. */
    private static void store(Spool spool, String rcpt, MessageContent content, String message) {
        String id = "n" + String.format("%09d", IDS.incrementAndGet());
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        Envelope env = new Envelope(
                id,
                "sender@tern.test",
                "",
                "",
                "",
                false,
                now,
                now + 86_400_000L,
                body.length,
                Map.of(MessageContent.ATTRIBUTE, content.wireName()));
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        spool.store(env, body, List.of(new QueueEntry(env, domain, List.of(RecipientState.pending(rcpt)), 0, now)))
                .join();
    }
}
