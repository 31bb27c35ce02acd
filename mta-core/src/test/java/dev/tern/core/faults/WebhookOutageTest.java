package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webhook endpoint is down for an hour of (simulated) time while mail flows. */
class WebhookOutageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY_INITIAL = 10_000;
    private static final long RETRY_MAX = 300_000;
    private static final int STEPS = 30;
    private static final Duration STEP = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    /**
     * While the endpoint fails, Tern must keep delivering mail and writing every event to the log
     * (which rotates meanwhile), retry the same batch with a delay that doubles from
     * {@code retry_initial} up to {@code retry_max} (so the number of attempts in the hour is
     * bounded), report the lag; when the endpoint is back, every event of the log arrives, in log
     * order, once, with no gap.
     */
    @Test
    void anHourOfFailuresIsRetriedWithBoundedBackoffAndThenEveryEventArrivesInOrder() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-07-01T09:00:00Z"));
        AtomicBoolean down = new AtomicBoolean(false);
        List<Long> failedAttempts = new CopyOnWriteArrayList<>();
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/events", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (down.get()) {
                failedAttempts.add(clock.millis());
                ex.sendResponseHeaders(503, -1);
            } else {
                for (JsonNode e : JSON.readTree(body)) received.add(e);
                ex.sendResponseHeaders(200, -1);
            }
            ex.close();
        });
        http.start();
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(
                        Faults.config(dir, """
             routes: { "*": 127.0.0.1:%d }
             events:
               log: "%s"
               rotate_interval: 10m
               webhook: { url: "http://127.0.0.1:%d/events", batch_size: 50, batch_interval: 1s, timeout: 2s, retry_initial: 10s, retry_max: 5m }
             """.formatted(
                                        sink.port(),
                                        Faults.eventLog(dir),
                                        http.getAddress().getPort())),
                        clock);
                Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
            for (int i = 0; i < 5; i++)
                assertThat(inj.send(List.of("up" + i + "@hook.test"), "u" + i)).startsWith("250");
            tickUntil(clock, () -> received.size() >= 10 && tern.webhook().lagEvents() == 0);

            down.set(true);
            for (int step = 0; step < STEPS; step++) { // an hour in steps of two minutes, a message each
                clock.advance(STEP);
                assertThat(inj.send(List.of("m" + step + "@hook.test"), "m" + step))
                        .startsWith("250");
                int delivered = 6 + step;
                await().atMost(Duration.ofSeconds(5)).until(() -> sink.messageCount() >= delivered);
                // justified sleep: the forwarder's own thread must run between two steps of the virtual clock
                Thread.sleep(60);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                            .settled());
            // the log kept growing and rotated; the webhook lags by the whole hour
            List<JsonNode> log = Ledger.events(Faults.eventLog(dir));
            assertThat(log).hasSize(10 + 2 * STEPS);
            try (var files = Files.list(dir)) {
                assertThat(files.filter(p -> p.getFileName().toString().matches("events\\.jsonl\\.\\d{6}-.*"))
                                .count())
                        .isGreaterThanOrEqualTo(5);
            }
            assertThat(received).hasSize(10);
            assertThat(tern.webhook().lagEvents()).isEqualTo(2 * STEPS);
            assertThat(tern.webhook().lagSeconds()).isGreaterThanOrEqualTo(3400);
            // bounded exponential backoff: each wait at least the doubled delay (capped), never beyond the cap
            // plus one clock step; so a dozen or two attempts in the hour, not thousands
            System.out.println("webhook attempts during the outage (minutes): "
                    + failedAttempts.stream()
                            .map(t -> (t - failedAttempts.getFirst()) / 60_000.0)
                            .toList());
            assertThat(failedAttempts.size()).isBetween(6, 20);
            for (int k = 1; k < failedAttempts.size(); k++) {
                long gap = failedAttempts.get(k) - failedAttempts.get(k - 1);
                assertThat(gap)
                        .as("wait before attempt %d", k + 1)
                        .isGreaterThanOrEqualTo(Math.min(RETRY_MAX, RETRY_INITIAL << (k - 1)))
                        .isLessThanOrEqualTo(RETRY_MAX + 2 * STEP.toMillis());
            }

            // back: the batch goes at the next retry, at most retry_max after the last failure
            down.set(false);
            tickUntil(clock, () -> tern.webhook().lagEvents() == 0);
            Map<Long, Integer> copies = new HashMap<>();
            List<Long> order = new ArrayList<>();
            for (JsonNode e : received) {
                long seq = e.get("seq").asLong();
                if (copies.merge(seq, 1, Integer::sum) == 1) order.add(seq);
            }
            List<JsonNode> finalLog = Ledger.events(Faults.eventLog(dir));
            assertThat(order)
                    .containsExactlyElementsOf(
                            finalLog.stream().map(e -> e.get("seq").asLong()).toList());
            assertThat(order)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, finalLog.size())
                            .boxed()
                            .toList());
            assertThat(copies.values()).allMatch(n -> n == 1);
            for (int i = 0; i < finalLog.size(); i++)
                assertThat(received.get(i)).isEqualTo(finalLog.get(i));
            assertThat(Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                            .assertSettled()
                            .delivered())
                    .hasSize(5 + STEPS);
        } finally {
            http.stop(0);
        }
    }

    /** Moves the clock on by 5 s every 50 ms until the condition holds (at most 15 s real time). */
    private static void tickUntil(MutableClock clock, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not reached");
            clock.advance(Duration.ofSeconds(5));
            // justified sleep: the forwarder's own thread must run between two steps of the virtual clock
            Thread.sleep(50);
        }
    }
}
