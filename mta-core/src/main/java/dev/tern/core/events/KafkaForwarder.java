package dev.tern.core.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Publishes the event log to a Kafka topic: one record per event, the value its JSON line (as the
 * log and the webhook have it, {@code seq} included), the key its {@code message_id} (so the
 * events of one message stay in order on one partition; campaign events have no key), a header
 * {@code tern-node} naming the node. The producer is idempotent with {@code acks=all}.
 *
 * <p>The JSON-lines log is the outbox, with the webhook's cursor discipline: records are sent in
 * log order in batches of up to {@code batchSize}; only when every record of a batch is
 * acknowledged is the position after it written to the cursor file (fsync'd). A batch that fails
 * (broker down, a timeout) is sent again, whole, after a growing delay, with a fresh producer:
 * nothing is lost while Kafka is down (the events wait in the log), and after a failure or a crash
 * at most the batch in flight arrives twice (at-least-once; {@code seq} plus {@code tern-node}
 * identify an event). Retention still applies: events of a segment deleted before it was sent are
 * skipped with a warning.
 *
 * <p>Metrics: {@code tern.kafka.lag.events}, {@code tern.kafka.lag.seconds},
 * {@code tern.kafka.events.acknowledged}, {@code tern.kafka.batches{outcome=success|failure}},
 * {@code tern.kafka.up} (1 while the last batch was acknowledged, 0 while Kafka fails).
 */
public final class KafkaForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaForwarder.class);
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
    private final JsonLinesEventLog eventLog;
    private final Clock clock;
    private final EventLogReader reader;
    private final Thread worker;
    private final Counter successes;
    private final Counter failures;
    private final Counter acknowledged;
    private final byte[] node;
    private Producer<byte[], byte[]> producer;
    private volatile long ackedSeq;
    private volatile long oldestPendingMillis; // 0 = nothing pending
    private volatile boolean up = true;
    private volatile boolean running = true;

    public KafkaForwarder(Settings settings, JsonLinesEventLog eventLog, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.eventLog = eventLog;
        this.clock = clock;
        this.node = settings.nodeId().getBytes(StandardCharsets.UTF_8);
        EventLogCursor c = EventLogCursor.read(settings.cursorFile(), "kafka");
        if (c == null || c.segment() > eventLog.activeSegment()) {
            if (c != null) log.warn("kafka cursor {} points past the event log; starting at its oldest segment", c);
            c = new EventLogCursor(eventLog.segments().get(0), 0, 0);
        }
        ackedSeq = c.seq();
        reader = new EventLogReader(eventLog, c.segment(), c.offset());
        successes = Counter.builder("tern.kafka.batches")
                .tag("outcome", "success")
                .description("Batches of events sent to Kafka")
                .register(registry);
        failures = Counter.builder("tern.kafka.batches")
                .tag("outcome", "failure")
                .description("Batches of events sent to Kafka")
                .register(registry);
        acknowledged = Counter.builder("tern.kafka.events.acknowledged")
                .description("Events acknowledged by Kafka")
                .register(registry);
        Gauge.builder("tern.kafka.lag.events", this, KafkaForwarder::lagEvents)
                .description("Events written to the log and not yet acknowledged by Kafka")
                .register(registry);
        Gauge.builder("tern.kafka.lag.seconds", this, KafkaForwarder::lagSeconds)
                .description("Age of the oldest event not yet acknowledged by Kafka")
                .register(registry);
        Gauge.builder("tern.kafka.up", this, f -> f.up ? 1 : 0)
                .description("1 while Kafka acknowledges events, 0 while they wait in the log")
                .register(registry);
        worker = Thread.ofPlatform().name("tern-kafka").daemon(true).start(this::run);
    }

    /** Events written and not yet acknowledged. */
    public long lagEvents() {
        return Math.max(0, eventLog.lastSeq() - ackedSeq);
    }

    /** Seconds since the oldest unacknowledged event that has been read happened (0 when none is pending). */
    public double lagSeconds() {
        long t = oldestPendingMillis;
        return t == 0 ? 0 : Math.max(0, clock.millis() - t) / 1000.0;
    }

    /** Seq of the last acknowledged event. */
    public long acknowledgedSeq() {
        return ackedSeq;
    }

    /** False while batches fail (Kafka unreachable): the events wait in the log. */
    public boolean up() {
        return up;
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

    private void run() {
        List<EventLogReader.Line> batch = new ArrayList<>();
        int failuresInRow = 0;
        while (running) {
            try {
                if (batch.isEmpty()) {
                    batch.addAll(reader.read(settings.batchSize()));
                    if (batch.isEmpty()) {
                        Thread.sleep(20);
                        continue;
                    }
                    oldestPendingMillis = batch.get(0).eventMillis(clock);
                }
                String failure = send(batch);
                if (failure == null) {
                    EventLogReader.Line last = batch.getLast();
                    long seq = last.seq() > 0 ? last.seq() : ackedSeq + batch.size();
                    EventLogCursor.write(
                            settings.cursorFile(), new EventLogCursor(last.segment(), last.nextOffset(), seq));
                    ackedSeq = seq;
                    acknowledged.increment(batch.size());
                    successes.increment();
                    batch.clear();
                    oldestPendingMillis = 0;
                    failuresInRow = 0;
                    if (!up) {
                        up = true;
                        log.info(
                                "kafka {}: acknowledging events again; {} still to send",
                                settings.bootstrap(),
                                lagEvents());
                    }
                } else {
                    failures.increment();
                    if (up) {
                        up = false;
                        log.warn(
                                "kafka {} is not acknowledging events ({}); they wait in the event log ({} pending),"
                                        + " retrying",
                                settings.bootstrap(),
                                failure,
                                lagEvents());
                    } else {
                        log.debug("kafka {}: batch failed again: {}", settings.bootstrap(), failure);
                    }
                    closeProducer(Duration.ZERO); // a fresh producer (and idempotence epoch) for the retry
                    long delay = Math.min(
                            settings.retryMax().toMillis(),
                            settings.retryInitial().toMillis() << Math.min(20, failuresInRow));
                    failuresInRow++;
                    waitUntil(clock.millis() + delay);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.error("kafka: reading the event log or writing the cursor failed: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Sends a batch and waits for every acknowledgement; null when all arrived, else why not. */
    private String send(List<EventLogReader.Line> batch) throws InterruptedException {
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
                if (System.nanoTime() - deadline > 0) return "no acknowledgement within " + settings.deliveryTimeout();
                acks.add(ack);
            }
            for (Future<RecordMetadata> f : acks) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return null;
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (TimeoutException e) {
            return "no acknowledgement within " + settings.deliveryTimeout();
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            throw new InterruptedException("interrupted");
        } catch (org.apache.kafka.common.KafkaException e) {
            return e.toString();
        }
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

    private void waitUntil(long deadline) throws InterruptedException {
        long left;
        while (running && (left = deadline - clock.millis()) > 0) Thread.sleep(Math.min(50, left));
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

    /** Stops sending; an unacknowledged batch is sent again after the next start. */
    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(10_000);
            reader.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("closing the kafka reader: {}", e.toString());
        }
        closeProducer(Duration.ofSeconds(2));
    }
}
