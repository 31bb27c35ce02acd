package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook receiver fails (500) for a while, Tern is restarted meanwhile, then the receiver
 * recovers: it has got every event of the log at least once, in log order, with no gap.
 */
class WebhookRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer http;
    private final AtomicBoolean failing = new AtomicBoolean(false);
    private final AtomicInteger failures = new AtomicInteger();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private long ackedBeforeFailure;

    @BeforeEach
    void receiver() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int status;
            if (failing.get()
                    || !"application/json".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                failures.incrementAndGet();
                status = 500;
            } else {
                for (JsonNode e : JSON.readTree(body)) received.add(e);
                status = 200;
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    private TernConfig config(int sinkPort) {
        return ConfigLoader.parse(
                """
        server: { hostname: tern.test }
        spool: { directory: "%s", min_free_disk: 1MiB }
        injection: { listen: 127.0.0.1:0 }
        admin: { listen: 127.0.0.1:0 }
        routes: { "*": 127.0.0.1:%d }
        events:
          log: "%s"
          webhook: { url: "http://127.0.0.1:%d/hook", batch_size: 7, batch_interval: 100ms, timeout: 2s, retry_initial: 50ms, retry_max: 200ms }
        """.formatted(
                                dir.resolve("spool"),
                                sinkPort,
                                dir.resolve("events.jsonl"),
                                http.getAddress().getPort()),
                "test");
    }

    @Test
    void everyEventArrivesInOrderWithoutGapsAcrossFailuresAndARestart() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            try (TernServer tern = TernServer.start(config(sink.port()))) {
                inject(tern, 0, 10);
                sink.awaitMessages(10, Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 20);
                failing.set(true);
                ackedBeforeFailure = lastSeq();
                inject(tern, 10, 10);
                sink.awaitMessages(20, Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 3);
                assertThat(tern.webhook().lagEvents()).isPositive();
            } // stopped while the receiver fails
            try (TernServer tern = TernServer.start(config(sink.port()))) {
                inject(tern, 20, 10);
                sink.awaitMessages(30, Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 6);
                failing.set(false);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> tern.webhook().lagEvents() == 0 && lastSeq() >= 60);
                assertThat(tern.webhook().lagSeconds()).isZero();
            }
        }
        List<JsonNode> log = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("events.jsonl"), StandardCharsets.UTF_8))
            log.add(JSON.readTree(line));
        assertThat(log).hasSize(60); // 30 receptions + 30 deliveries
        for (int i = 0; i < log.size(); i++)
            assertThat(log.get(i).get("seq").asLong()).isEqualTo(i + 1);

        // first arrival of each seq: exactly the log, in log order (so in order per message, no gaps)
        Map<Long, JsonNode> firstArrival = new LinkedHashMap<>();
        for (JsonNode e : received) firstArrival.putIfAbsent(e.get("seq").asLong(), e);
        assertThat(firstArrival.keySet())
                .containsExactlyElementsOf(
                        log.stream().map(e -> e.get("seq").asLong()).toList());
        for (JsonNode e : log)
            assertThat(firstArrival.get(e.get("seq").asLong())).isEqualTo(e);
        // duplicates are re-posts of whole unacknowledged batches, nothing else
        Map<Long, Integer> copies = new HashMap<>();
        for (JsonNode e : received) copies.merge(e.get("seq").asLong(), 1, Integer::sum);
        assertThat(copies.values()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
        // what was acknowledged before the restart is not posted again (the cursor survived)
        assertThat(ackedBeforeFailure).isGreaterThanOrEqualTo(20);
        for (long seq = 1; seq <= ackedBeforeFailure; seq++)
            assertThat(copies.get(seq)).as("copies of seq %d", seq).isEqualTo(1);
        Map<String, List<String>> perMessage = new HashMap<>();
        for (JsonNode e : firstArrival.values())
            perMessage
                    .computeIfAbsent(e.get("message_id").asText(), k -> new ArrayList<>())
                    .add(e.get("type").asText());
        assertThat(perMessage)
                .hasSize(30)
                .allSatisfy((id, types) -> assertThat(types).containsExactly("reception", "delivery"));
    }

    private long lastSeq() {
        return received.stream().mapToLong(e -> e.get("seq").asLong()).max().orElse(0);
    }

    private static void inject(TernServer tern, int from, int n) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(tern.injectionAddress(), 5000);
            s.setSoTimeout(10_000);
            var in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            cmd(out, in, "EHLO t.test", "250");
            for (int i = from; i < from + n; i++) {
                cmd(out, in, "MAIL FROM:<s@inject.test>", "250");
                cmd(out, in, "RCPT TO:<r" + i + "@dest.test>", "250");
                cmd(out, in, "DATA", "354");
                cmd(out, in, "Subject: m" + i + "\r\nX-Tern-Campaign: c\r\n\r\nbody " + i + "\r\n.", "250");
            }
            cmd(out, in, "QUIT", "221");
        }
    }

    private static void cmd(OutputStream out, java.io.BufferedReader in, String line, String expect)
            throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, expect);
    }

    private static void expect(java.io.BufferedReader in, String code) throws IOException {
        String l;
        do {
            l = in.readLine();
            if (l == null) throw new IOException("closed");
        } while (l.length() > 3 && l.charAt(3) == '-');
        if (!l.startsWith(code)) throw new AssertionError("expected " + code + ", got " + l);
    }
}
