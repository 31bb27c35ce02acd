package dev.tern.core.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the event log to a Kafka topic, as an {@link EventLogForwarder.Sink}: one record per
 * event, the value its JSON line (as the log and the webhook have it, {@code seq} included), the
 * key its {@code message_id} (so the events of one message stay in order on one partition;
 * campaign events have no key), a header {@code tern-node} naming the node. The producer is
 * idempotent with {@code acks=all}.
 *
 * <p>A batch counts as acknowledged only when every record of it is; a batch that fails (broker
 * down, a timeout) is sent again, whole, by the forwarder, with a fresh producer: nothing is lost
 * while Kafka is down (the events wait in the log), and after a failure or a crash at most the
 * batch in flight arrives twice ({@code seq} plus {@code tern-node} identify an event). Retention
 * still applies: events of a segment deleted before it was sent are skipped with a warning.
 *
 * <p>Metrics ({@link EventLogForwarder}): {@code tern.kafka.lag.events}, {@code tern.kafka.lag.seconds},
 * {@code tern.kafka.events.acknowledged}, {@code tern.kafka.batches{outcome=success|failure}},
 * {@code tern.kafka.up} (1 while the last batch was acknowledged, 0 while Kafka fails).
 */
public final class KafkaSink implements EventLogForwarder.Sink {
    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    /**
     * @param bootstrap       {@code bootstrap.servers} (host:port, comma separated)
     * @param topic           the topic every event goes to
     * @param nodeId          this node's name (record header {@code tern-node}, client id)
     * @param batchSize       most records per acknowledged batch (one cursor write each)
     * @param deliveryTimeout how long one batch may wait for its acknowledgements before it counts as failed
     * @param retryInitial    first delay after a failed batch (doubles per failure)
     * @param retryMax        longest delay between retries
     * @param cursorFile      where the acknowledged position is kept
     * @param properties      further producer properties (security, compression, ...); not the fixed ones
     */
    public record Settings(
            String bootstrap,
            String topic,
            String nodeId,
            int batchSize,
            Duration deliveryTimeout,
            Duration retryInitial,
            Duration retryMax,
            Path cursorFile,
            Map<String, String> properties) {}

    private final Settings settings;
    private final byte[] node;
    private Producer<byte[], byte[]> producer;

    private KafkaSink(Settings settings) {
        this.settings = settings;
        this.node = settings.nodeId().getBytes(StandardCharsets.UTF_8);
    }

    /** A running forwarder of {@code eventLog} to Kafka. */
    public static EventLogForwarder forwarder(
            Settings settings, JsonLinesEventLog eventLog, MeterRegistry registry, Clock clock) {
        EventLogForwarder.Naming naming = new EventLogForwarder.Naming(
                "kafka",
                settings.bootstrap(),
                "Kafka",
                "batches",
                "Batches of events sent to Kafka",
                EventLogForwarder.FailureLog.PER_OUTAGE);
        return new EventLogForwarder(
                new EventLogForwarder.Settings(
                        naming,
                        settings.batchSize(),
                        Duration.ZERO,
                        settings.retryInitial(),
                        settings.retryMax(),
                        settings.cursorFile()),
                new KafkaSink(settings),
                eventLog,
                registry,
                clock);
    }

    private Producer<byte[], byte[]> newProducer() {
        Properties p = new Properties();
        p.putAll(settings.properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tern-" + settings.nodeId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        long delivery = settings.deliveryTimeout().toMillis();
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery));
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
        p.putIfAbsent(
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, Math.min(30_000, delivery / 2))));
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(delivery));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Sends a batch and waits for every acknowledgement; stops at the first record that fails. */
    @Override
    public Optional<String> send(List<EventLogReader.Line> batch) throws InterruptedException {
        try {
            if (producer == null) producer = newProducer();
            List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
            long deadline = System.nanoTime() + settings.deliveryTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
            for (EventLogReader.Line line : batch) {
                byte[] key = messageId(line.json());
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(settings.topic(), null, key, line.json());
                r.headers().add(new RecordHeader("tern-node", node));
                Future<RecordMetadata> ack = producer.send(r);
                // send() blocks up to max.block.ms per record while the broker is unreachable (no metadata)
                // and then returns a failed future: the batch has failed, do not wait that long per record
                if (ack.isDone()) ack.get();
                if (System.nanoTime() - deadline > 0) return timedOut();
                acks.add(ack);
            }
            for (Future<RecordMetadata> f : acks) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            return timedOut();
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            throw new InterruptedException("interrupted");
        } catch (org.apache.kafka.common.KafkaException e) {
            return Optional.of(e.toString());
        }
    }

    private Optional<String> timedOut() {
        return Optional.of("no acknowledgement within " + settings.deliveryTimeout());
    }

    /** The {@code message_id} of an event line, as the record key; null for events without one. */
    static byte[] messageId(byte[] json) {
        try (JsonParser p = JSON_FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("message_id".equals(name) && v == JsonToken.VALUE_STRING) {
                    String id = p.getText();
                    return id.isEmpty() ? null : id.getBytes(StandardCharsets.UTF_8);
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            log.debug("an event line is not JSON: {}", e.toString());
        }
        return null;
    }

    private void closeProducer(Duration timeout) {
        Producer<byte[], byte[]> p = producer;
        producer = null;
        if (p == null) return;
        try {
            p.close(timeout);
        } catch (RuntimeException e) {
            log.debug("closing the kafka producer: {}", e.toString());
        }
    }

    /** A fresh producer (and idempotence epoch) for the retry. */
    @Override
    public void failed() {
        closeProducer(Duration.ZERO);
    }

    @Override
    public void close() {
        closeProducer(Duration.ofSeconds(2));
    }
}
