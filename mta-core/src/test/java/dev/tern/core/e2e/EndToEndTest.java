package dev.tern.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Injection over real SMTP -> RocksDB spool -> Netty delivery to a real SMTP sink on loopback. */
class EndToEndTest {
    @TempDir
    Path dir;

    @Test
    void twoHundredMessagesFromConcurrentClientsArriveByteIdentical() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig config = TernHarness.config(dir, sink.port(), "");
            Map<String, byte[]> injected = new HashMap<>();
            try (TernServer tern = TernServer.start(config)) {
                ExecutorService clients = Executors.newFixedThreadPool(8);
                List<Future<Map<String, byte[]>>> futures = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    int client = c;
                    futures.add(clients.submit(() -> {
                        Map<String, byte[]> sent = new HashMap<>();
                        try (InjectClient inj = new InjectClient(tern.injectionAddress())) {
                            assertThat(inj.ehlo).contains("PIPELINING");
                            for (int i = 0; i < 25; i++) {
                                int n = client * 25 + i;
                                String rcpt = "user" + n + "@dest" + (n % 4) + ".test";
                                byte[] msg = TernHarness.message(n, "sender@inject.test", rcpt, 5 + n % 40);
                                String reply = (i % 2 == 0)
                                        ? inj.send("sender@inject.test", List.of(rcpt), msg)
                                        : inj.sendPipelined("sender@inject.test", List.of(rcpt), msg)
                                                .getLast();
                                assertThat(reply).startsWith("250 2.0.0");
                                sent.put(rcpt, msg);
                            }
                        }
                        return sent;
                    }));
                }
                for (var f : futures) injected.putAll(f.get());
                clients.shutdown();
                List<ReceivedMessage> got = sink.awaitMessages(200, Duration.ofSeconds(60));
                assertThat(got).hasSize(200);
                Set<String> seen = new HashSet<>();
                for (ReceivedMessage m : got) {
                    assertThat(m.recipients()).hasSize(1);
                    String rcpt = m.recipients().get(0);
                    assertThat(seen.add(rcpt)).as("no duplicate for %s", rcpt).isTrue();
                    assertThat(m.mailFrom()).isEqualTo("sender@inject.test");
                    assertThat(TernHarness.withoutTraceHeader(m.data()))
                            .as("body of %s", rcpt)
                            .isEqualTo(TernHarness.expectedDelivered(injected.get(rcpt)));
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> tern.spool().stats().entries() == 0);
            }
            List<JsonNode> events = TernHarness.events(dir);
            Map<String, Set<String>> typesById = new HashMap<>();
            for (JsonNode e : events)
                typesById
                        .computeIfAbsent(e.get("message_id").asText(), k -> new HashSet<>())
                        .add(e.get("type").asText());
            assertThat(typesById).hasSize(200);
            assertThat(typesById.values()).allSatisfy(t -> assertThat(t).contains("reception", "delivery"));
            assertThat(events)
                    .filteredOn(e -> e.get("type").asText().equals("delivery"))
                    .allSatisfy(e -> {
                        assertThat(e.get("reply").asText()).startsWith("250");
                        assertThat(e.get("campaign").asText()).startsWith("camp-");
                    });
        }
    }

    @Test
    void sinkDownDefersThenEverythingIsDeliveredWhenItReturns() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        int port = sink.port();
        sink.stop();
        try (TernServer tern = TernServer.start(TernHarness.config(dir, port, ""));
                InjectClient inj = new InjectClient(tern.injectionAddress())) {
            for (int i = 0; i < 30; i++) {
                assertThat(inj.send(
                                "s@inject.test",
                                List.of("r" + i + "@down.test"),
                                TernHarness.message(i, "s@inject.test", "r" + i + "@down.test", 3)))
                        .startsWith("250");
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> TernHarness.events(dir).stream()
                                    .filter(e -> e.get("type").asText().equals("transient_failure"))
                                    .count()
                            >= 30);
            assertThat(tern.spool().stats().entries()).isEqualTo(30);
            sink.start();
            assertThat(sink.awaitMessages(30, Duration.ofSeconds(30))).hasSize(30);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> tern.spool().stats().entries() == 0);
        } finally {
            sink.close();
        }
        assertThat(TernHarness.events(dir).stream()
                        .filter(e -> e.get("type").asText().equals("delivery"))
                        .count())
                .isEqualTo(30);
    }

    @Test
    void queuedMessagesAreDeliveredAfterRestart() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        int port = sink.port();
        sink.stop();
        TernConfig config = TernHarness.config(dir, port, "");
        try (TernServer tern = TernServer.start(config);
                InjectClient inj = new InjectClient(tern.injectionAddress())) {
            for (int i = 0; i < 20; i++) {
                assertThat(inj.send(
                                "s@inject.test",
                                List.of("r" + i + "@restart.test", "x" + i + "@other.test"),
                                TernHarness.message(i, "s@inject.test", "r" + i + "@restart.test", 3)))
                        .startsWith("250");
            }
        }
        sink.start();
        try (TernServer tern = TernServer.start(config)) {
            assertThat(sink.awaitMessages(40, Duration.ofSeconds(30))).hasSize(40);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> tern.spool().stats().entries() == 0);
        } finally {
            sink.close();
        }
    }
}
