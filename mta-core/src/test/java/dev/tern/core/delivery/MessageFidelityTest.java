package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message fidelity on the way out, decided from what injection recorded: raw UTF-8 header fields with
 * ASCII addresses need SMTPUTF8 (sent on MAIL FROM when offered, else a local 553 5.6.7 and a bounce
 * event, nothing sent); an 8-bit body with ASCII headers goes with BODY=8BITMIME when offered, else a
 * local 554 5.6.3 and a bounce event (Tern does not convert to 7 bit: see README "Message fidelity").
 */
class MessageFidelityTest {
    @TempDir
    Path dir;

    private static final String UTF8_HEADERS =
            "From: <a@shop.test>\r\nSubject: Grüße aus Köln\r\n\r\nplain ASCII body\r\n";
    private static final String EIGHT_BIT_BODY = "From: <a@shop.test>\r\nSubject: ascii\r\n\r\nÄpfel und Birnen\r\n";

    @Test
    void utf8HeadersNeedSmtpUtf8And8BitBodiesNeed8BitMime() throws Exception {
        try (SmtpSink full = SmtpSink.builder().address("127.0.0.1").port(0).start();
                SmtpSink plain = SmtpSink.builder()
                        .address("127.0.0.1")
                        .port(0)
                        .smtpUtf8(false)
                        .eightBitMime(false)
                        .start()) {
            TernConfig cfg = TestConfig.of(dir, false, """
          routes:
            full.test: 127.0.0.1:%d
            plain.test: 127.0.0.1:%d
          """.formatted(full.port(), plain.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                Map<String, Event> outcome = DeliveryFixture.outcomes(tern);
                InetSocketAddress in = tern.injectionAddress();
                inject(in, "utf8@full.test", UTF8_HEADERS);
                inject(in, "8bit@full.test", EIGHT_BIT_BODY);
                inject(in, "utf8@plain.test", UTF8_HEADERS);
                inject(in, "8bit@plain.test", EIGHT_BIT_BODY);
                await().atMost(Duration.ofSeconds(15)).until(() -> outcome.size() == 4);

                // a server offering both: SMTPUTF8 for the UTF-8 header section, BODY=8BITMIME for both
                assertThat(outcome.get("utf8@full.test").kind()).isEqualTo(EventType.DELIVERY);
                assertThat(outcome.get("8bit@full.test").kind()).isEqualTo(EventType.DELIVERY);
                Command utf8Mail = mailFor(full, "utf8@full.test");
                assertThat(utf8Mail.hasParameter("SMTPUTF8")).isTrue();
                assertThat(utf8Mail.hasParameter("BODY=8BITMIME")).isTrue();
                Command eightBitMail = mailFor(full, "8bit@full.test");
                assertThat(eightBitMail.hasParameter("SMTPUTF8")).isFalse();
                assertThat(eightBitMail.hasParameter("BODY=8BITMIME")).isTrue();
                assertThat(full.messages())
                        .anySatisfy(m -> assertThat(new String(m.data(), StandardCharsets.UTF_8))
                                .contains("Subject: Grüße aus Köln"));

                // a server offering neither: refused locally, bounced with the reason, nothing sent
                Event utf8 = outcome.get("utf8@plain.test");
                assertThat(utf8.kind()).isEqualTo(EventType.BOUNCE);
                assertThat(utf8.reply()).startsWith("553 5.6.7");
                assertThat(utf8.reason()).isEqualTo("contenterror");
                Event eightBit = outcome.get("8bit@plain.test");
                assertThat(eightBit.kind()).isEqualTo(EventType.BOUNCE);
                assertThat(eightBit.reply()).startsWith("554 5.6.3");
                assertThat(eightBit.reason()).isEqualTo("contenterror");
                assertThat(plain.commands()).noneMatch(c -> c.phase() == Phase.MAIL);
                assertThat(plain.messageCount()).isZero();
            }
        }
    }

    /** The MAIL command of the transaction that carried {@code rcpt}. */
    private static Command mailFor(SmtpSink sink, String rcpt) {
        List<Command> all = sink.commands();
        for (int i = 0; i < all.size(); i++) {
            Command c = all.get(i);
            if (c.phase() == Phase.RCPT && c.argument().equals(rcpt)) {
                for (int j = i; j >= 0; j--) {
                    Command m = all.get(j);
                    if (m.phase() == Phase.MAIL && m.connectionId() == c.connectionId()) return m;
                }
            }
        }
        throw new AssertionError("no RCPT for " + rcpt + " at the sink");
    }

    /** Injects one message with SMTPUTF8 and BODY=8BITMIME on MAIL FROM (ASCII addresses). */
    private static void inject(InetSocketAddress to, String rcpt, String message) throws IOException {
        RawSmtp.send(to, "a@shop.test", "BODY=8BITMIME SMTPUTF8", rcpt, message);
    }
}
