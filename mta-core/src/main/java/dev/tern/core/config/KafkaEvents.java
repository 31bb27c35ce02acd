package dev.tern.core.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code fleet.kafka}: every event of the event log published to a Kafka topic (JSON, key =
 * message id, idempotent producer, acks=all), at least once, fed from the log with its own cursor.
 *
 * @param bootstrap       Kafka {@code bootstrap.servers}: host:port[,host:port...] ("" = no Kafka)
 * @param topic           the topic the events go to
 * @param batchSize       most events per acknowledged batch (the cursor is written once per batch)
 * @param deliveryTimeout a batch not fully acknowledged within this counts as failed and is sent again
 * @param retryInitial    first delay after a failed batch (doubles per failure)
 * @param retryMax        longest delay between retries
 * @param cursor          file holding the position of the last acknowledged event ("" = next to the log)
 * @param properties      further Kafka producer properties (e.g. security.protocol, compression.type);
 *                        the ones the guarantee depends on (acks, enable.idempotence, ...) are fixed
 */
public record KafkaEvents(
        String bootstrap,
        String topic,
        int batchSize,
        Duration deliveryTimeout,
        Duration retryInitial,
        Duration retryMax,
        String cursor,
        Map<String, String> properties)
        implements Validated {

    /** Producer properties that cannot be set under {@code properties} (Tern fixes them). */
    public static final Set<String> FIXED = Set.of(
            "acks",
            "enable.idempotence",
            "key.serializer",
            "value.serializer",
            "bootstrap.servers",
            "transactional.id",
            "delivery.timeout.ms");

    static KafkaEvents defaults() {
        return new KafkaEvents(
                "",
                "tern-events",
                500,
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofMinutes(1),
                "",
                Map.of());
    }

    public KafkaEvents {
        bootstrap = bootstrap == null ? "" : bootstrap.strip();
        topic = topic == null ? "" : topic;
        cursor = cursor == null ? "" : cursor;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** Whether events go to Kafka (a bootstrap address is set). */
    public boolean enabled() {
        return !bootstrap.isEmpty();
    }

    @Override
    public void validate(Problems p) {
        if (!bootstrap.isEmpty()) {
            for (String hp : bootstrap.split(",", -1)) {
                String s = hp.strip();
                boolean ok;
                try {
                    HostPort.parse(s);
                    ok = s.matches(".*:\\d+");
                } catch (IllegalArgumentException e) {
                    ok = false;
                }
                if (!ok) {
                    p.add("bootstrap", "must be host:port[,host:port...] (got '" + bootstrap + "')");
                    break;
                }
            }
        }
        p.require(
                topic.matches("[A-Za-z0-9._-]{1,249}") && !topic.equals(".") && !topic.equals(".."),
                "topic",
                "must be a Kafka topic name: 1-249 letters, digits, '.', '_' or '-' (got '" + topic + "')");
        p.require(batchSize >= 1 && batchSize <= 10_000, "batch_size", "must be between 1 and 10000");
        p.require(
                deliveryTimeout.compareTo(Duration.ofSeconds(1)) >= 0
                        && deliveryTimeout.compareTo(Duration.ofHours(1)) <= 0,
                "delivery_timeout",
                "must be between 1s and 1h");
        p.require(retryInitial.toMillis() >= 1, "retry_initial", "must be positive");
        p.require(retryMax.compareTo(retryInitial) >= 0, "retry_max", "must be >= retry_initial");
        for (String key : properties.keySet()) {
            if (FIXED.contains(key))
                p.at("properties")
                        .add(
                                ConfigBinder.quoteKey(key),
                                "is fixed by Tern (acks=all, idempotent producer, at-least-once); remove it");
        }
    }
}
