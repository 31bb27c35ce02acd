package dev.tern.core.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic back from its beginning, every partition (no consumer group), for tests. */
public final class KafkaTopic implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record: its key, the {@code tern-node} header, the JSON value. */
    public record Record(String key, String node, JsonNode value) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<Record> records = new ArrayList<>();
    private boolean assigned;

    public KafkaTopic(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p);
        this.topic = topic;
    }

    /** Polls for a moment and returns every record read so far (from the beginning of the topic). */
    public synchronized List<Record> poll() {
        if (!assigned) {
            List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (parts == null || parts.isEmpty()) return List.copyOf(records);
            List<TopicPartition> tps = parts.stream()
                    .map(pi -> new TopicPartition(topic, pi.partition()))
                    .toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            assigned = true;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
            var h = r.headers().lastHeader("tern-node");
            try {
                records.add(new Record(
                        r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                        h == null ? null : new String(h.value(), StandardCharsets.UTF_8),
                        JSON.readTree(r.value())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
