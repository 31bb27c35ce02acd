package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events carry the message's Message-ID and the X-Tern-Meta-* values; the headers never leave Tern. */
class EventMetadataTest {
    @TempDir
    Path dir;

    @Test
    void receptionAndDeliveryEventsCarryMessageIdAndMeta() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.routedTo(dir, sink.port(), ""))) {
            assertThat(send(tern, """
                    Message-ID: <order-42@platform.example>\r
                    X-Tern-Meta-User-Id: 42\r
                    X-Tern-Meta-List: spring news\r
                    Subject: hi\r
                    """)).startsWith("250 ");
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            String delivered = sink.messages().get(0).text();
            assertThat(delivered)
                    .contains("Message-ID: <order-42@platform.example>")
                    .doesNotContainIgnoringCase("X-Tern-Meta");

            Path log = TestConfig.eventLog(dir);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TestConfig.events(log).stream()
                            .anyMatch(e -> e.get("type").asText().equals("delivery")));
            List<JsonNode> events = TestConfig.events(log);
            assertThat(events).extracting(e -> e.get("type").asText()).contains("reception", "delivery");
            for (JsonNode e : events) {
                assertThat(e.get("message_id_header").asText()).isEqualTo("<order-42@platform.example>");
                assertThat(e.get("meta").get("user-id").asText()).isEqualTo("42");
                assertThat(e.get("meta").get("list").asText()).isEqualTo("spring news");
                assertThat(e.get("meta").size()).isEqualTo(2);
            }
        }
    }

    @Test
    void metaIsBounded() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.routedTo(dir, sink.port(), ""))) {
            StringBuilder many = new StringBuilder();
            for (int i = 0; i < 11; i++) many.append("X-Tern-Meta-K").append(i).append(": v\r\n");
            assertThat(send(tern, many + "Subject: x\r\n"))
                    .startsWith("550 5.6.0")
                    .contains("More than 10");
            assertThat(send(tern, "X-Tern-Meta-Big: " + "x".repeat(257) + "\r\nSubject: x\r\n"))
                    .startsWith("550 5.6.0")
                    .contains("longer than 256");
            assertThat(send(tern, "X-Tern-Meta-" + "n".repeat(33) + ": v\r\nSubject: x\r\n"))
                    .startsWith("550 5.6.0");
            assertThat(tern.spool().stats().messages()).isZero();
        }
    }

    static String send(TernServer tern, String headers) throws IOException {
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            return c.send("s@t.test", List.of("r@dest.test"), headers + "\r\nhello\r\n");
        }
    }
}
