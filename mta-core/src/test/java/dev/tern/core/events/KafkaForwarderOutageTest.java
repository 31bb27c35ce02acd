package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder whose broker is unreachable from the start (no metadata) notices within one delivery
 * timeout, not one per record: {@code send()} blocks up to {@code max.block.ms} for each record
 * without metadata, so a batch of 20 used to take 20 timeouts before the node said Kafka was down.
 */
class KafkaForwarderOutageTest {
    @TempDir
    Path dir;

    @Test
    void aWholeBatchFailsWithinOneDeliveryTimeoutWhenTheBrokerIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens there once closed
        }
        JsonLinesEventLog eventLog = new JsonLinesEventLog(dir.resolve("events.jsonl"));
        for (int i = 1; i <= 20; i++)
            eventLog.accept(Event.of(EventType.DELIVERY, "m" + i, "r" + i + "@dest.test")
                    .reply("250 ok")
                    .build());
        Path cursor = dir.resolve("events.jsonl.kafka-cursor");
        KafkaSink.Settings settings = new KafkaSink.Settings(
                "127.0.0.1:" + closedPort,
                "tern-events",
                "node-a",
                20,
                Duration.ofSeconds(1),
                Duration.ofMillis(100),
                Duration.ofMillis(500),
                cursor,
                Map.of());
        try (EventLogForwarder forwarder =
                KafkaSink.forwarder(settings, eventLog, new SimpleMeterRegistry(), Clock.systemUTC())) {
            // one delivery timeout (1 s) plus the batch deadline's slack (5 s), far below 20 x 1 s
            await().atMost(Duration.ofSeconds(10)).until(() -> !forwarder.up());
            assertThat(forwarder.lagEvents()).isEqualTo(20);
            assertThat(forwarder.acknowledgedSeq()).isZero();
            assertThat(cursor)
                    .satisfiesAnyOf(
                            c -> assertThat(Files.exists(c)).isFalse(),
                            c -> assertThat(Files.readString(c)).contains("\"seq\":0"));
        } finally {
            eventLog.close();
        }
    }
}
