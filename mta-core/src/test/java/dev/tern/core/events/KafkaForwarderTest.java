package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.testkit.kafka.KafkaBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka sink against a real broker (KRaft, child JVM): events are published with the message
 * id as key, the log line as value; while the broker is down the events wait in the log (the
 * sink reports it: {@code up() == false}, lag), the cursor does not move; once it is back every
 * event arrives, and a restart of the sink resumes after the acknowledged cursor.
 */
class KafkaForwarderTest {
    @TempDir
    static Path brokerDir;

    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(brokerDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void eventsWaitInTheLogWhileKafkaIsDownAndArriveWhenItIsBack(@TempDir Path dir) throws Exception {
        Path cursor = dir.resolve("events.jsonl.kafka-cursor");
        JsonLinesEventLog eventLog = new JsonLinesEventLog(dir.resolve("events.jsonl"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String topic = "forwarder-test";
        KafkaForwarder.Settings settings = new KafkaForwarder.Settings(
                broker.bootstrap(),
                topic,
                "node-a",
                50,
                Duration.ofSeconds(3),
                Duration.ofMillis(200),
                Duration.ofSeconds(1),
                cursor,
                Map.of());
        KafkaForwarder forwarder = new KafkaForwarder(settings, eventLog, registry, Clock.systemUTC());
        try (KafkaTopic read = new KafkaTopic(broker.bootstrap(), topic)) {
            for (int i = 0; i < 40; i++) publish(eventLog, i);
            await().atMost(Duration.ofSeconds(30)).until(() -> read.poll().size() >= 80);
            List<KafkaTopic.Record> first = read.poll();
            assertThat(first).allSatisfy(r -> {
                assertThat(r.key()).isEqualTo(r.value().get("message_id").asText());
                assertThat(r.node()).isEqualTo("node-a");
            });
            // per key (message), reception comes before delivery: one partition per message id
            Map<String, List<String>> kinds = new TreeMap<>();
            for (var r : first)
                kinds.computeIfAbsent(r.key(), k -> new java.util.ArrayList<>())
                        .add(r.value().get("type").asText());
            assertThat(kinds).hasSize(40).allSatisfy((k, v) -> assertThat(v).containsExactly("reception", "delivery"));
            await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.lagEvents() == 0);
            String cursorBefore = Files.readString(cursor);

            broker.stop();
            for (int i = 40; i < 60; i++) publish(eventLog, i);
            await().atMost(Duration.ofSeconds(20)).until(() -> !forwarder.up());
            assertThat(forwarder.lagEvents()).isEqualTo(40);
            assertThat(registry.get("tern.kafka.up").gauge().value()).isZero();
            assertThat(registry.get("tern.kafka.lag.events").gauge().value()).isEqualTo(40);
            assertThat(Files.readString(cursor)).isEqualTo(cursorBefore);

            broker.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> forwarder.lagEvents() == 0 && forwarder.up());
            await().atMost(Duration.ofSeconds(20)).until(() -> seqs(read.poll()).size() >= 120);
            assertThat(seqs(read.poll())).containsExactlyElementsOf(range(1, 120));

            // a new sink on the same cursor sends only what came after it
            forwarder.close();
            for (int i = 60; i < 65; i++) publish(eventLog, i);
            KafkaForwarder again = new KafkaForwarder(settings, eventLog, new SimpleMeterRegistry(), Clock.systemUTC());
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> seqs(read.poll()).size() >= 130);
                await().atMost(Duration.ofSeconds(5)).until(() -> again.lagEvents() == 0);
                List<KafkaTopic.Record> all = read.poll();
                assertThat(seqs(all)).containsExactlyElementsOf(range(1, 130));
                // at-least-once: a batch cut by the outage may arrive twice, nothing else does
                assertThat(all.size() - 130).isBetween(0, 50);
            } finally {
                again.close();
            }
        } finally {
            forwarder.close();
            eventLog.close();
        }
    }

    private static java.util.SortedSet<Long> seqs(List<KafkaTopic.Record> records) {
        java.util.SortedSet<Long> s = new java.util.TreeSet<>();
        for (var r : records) s.add(r.value().get("seq").asLong());
        return s;
    }

    private static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** Two events of message {@code i}: its reception, then its delivery. */
    private static void publish(JsonLinesEventLog eventLog, int i) {
        String id = "%024x".formatted(0xABC000L + i);
        String rcpt = "r" + i + "@kafka.test";
        eventLog.accept(
                Event.of(EventType.RECEPTION, id, rcpt).sender("s@tern.test").build());
        eventLog.accept(Event.of(EventType.DELIVERY, id, rcpt).reply("250 ok").build());
    }
}
