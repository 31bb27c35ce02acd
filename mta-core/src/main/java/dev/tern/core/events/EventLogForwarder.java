package dev.tern.core.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the {@link JsonLinesEventLog} to a {@link Sink} (the webhook, Kafka): the log is the
 * outbox. Lines are read in log order in batches of up to {@code batchSize}; once the sink
 * acknowledges a whole batch, the position after it is written to the cursor file (fsync'd), so
 * after a restart or a crash forwarding resumes right after the last acknowledged event: no gaps,
 * and at most the batch in flight arrives twice (at-least-once; {@code seq} identifies an event).
 * A failed batch is sent again after a delay that doubles per failure in a row (on Tern's clock),
 * forever: the events wait in the log. Without a cursor file it starts at the oldest segment on disk.
 *
 * <p>Metrics, for a sink named N: {@code tern.N.lag.events} (events written minus acknowledged),
 * {@code tern.N.lag.seconds} (age of the oldest unacknowledged event),
 * {@code tern.N.events.acknowledged}, a batch counter with {@code outcome=success|failure}
 * ({@link Naming#batchMeter}) and, where failures are logged per outage, {@code tern.N.up} (1 while
 * the last batch was acknowledged).
 */
public final class EventLogForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLogForwarder.class);

    /** Where batches of event lines go. */
    public interface Sink extends AutoCloseable {
        /** Sends a batch in log order and waits for it: empty when acknowledged whole, else why not. */
        Optional<String> send(List<EventLogReader.Line> batch) throws InterruptedException;

        /** Called after a failed batch, before it is sent again (a sink may start a fresh client here). */
        default void failed() {}

        @Override
        default void close() {}
    }

    /**
     * How a forwarder names itself.
     *
     * @param name             meters {@code tern.<name>.*}, thread {@code tern-<name>}, log lines
     * @param target           where the sink sends (bootstrap servers, URL), for log lines
     * @param peer             who acknowledges, in meter descriptions ("Kafka", "the webhook")
     * @param batchMeter       the batch counter, {@code tern.<name>.<batchMeter>{outcome}}
     * @param batchDescription that counter's description
     * @param failures         how failed batches are logged
     */
    public record Naming(
            String name, String target, String peer, String batchMeter, String batchDescription, FailureLog failures) {}

    /** How failed batches show in the log. */
    public enum FailureLog {
        /** A warning when the sink stops acknowledging, repeats at debug, a line when it is back; exports {@code tern.N.up}. */
        PER_OUTAGE,
        /** A warning for every failed batch. */
        PER_FAILURE
    }

    /**
     * @param naming        meter, thread and log names
     * @param batchSize     most events per batch (one cursor write each)
     * @param batchInterval longest wait for a partial batch to fill; zero: a batch is what one read
     *                      of the log returns, sent at once and again unchanged after a failure
     * @param retryInitial  first delay after a failed batch (doubles per failure in a row)
     * @param retryMax      longest delay between retries
     * @param cursorFile    where the acknowledged position is kept
     */
    public record Settings(
            Naming naming,
            int batchSize,
            Duration batchInterval,
            Duration retryInitial,
            Duration retryMax,
            Path cursorFile) {}

    private final Settings settings;
    private final Naming naming;
    private final Sink sink;
    private final JsonLinesEventLog eventLog;
    private final Clock clock;
    private final EventLogReader reader;
    private final Thread worker;
    private final Counter successes;
    private final Counter failures;
    private final Counter acknowledged;
    private volatile long ackedSeq;
    private volatile long oldestPendingMillis; // 0 = nothing pending
    private volatile boolean up = true;
    private volatile boolean running = true;

    public EventLogForwarder(
            Settings settings, Sink sink, JsonLinesEventLog eventLog, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.naming = settings.naming();
        this.sink = sink;
        this.eventLog = eventLog;
        this.clock = clock;
        String name = naming.name();
        EventLogCursor c = EventLogCursor.read(settings.cursorFile(), name);
        if (c == null || c.segment() > eventLog.activeSegment()) {
            if (c != null) log.warn("{} cursor {} points past the event log; starting at its oldest segment", name, c);
            c = new EventLogCursor(eventLog.segments().get(0), 0, 0);
        }
        ackedSeq = c.seq();
        reader = new EventLogReader(eventLog, c.segment(), c.offset());
        String prefix = "tern." + name + ".";
        successes = Counter.builder(prefix + naming.batchMeter())
                .tag("outcome", "success")
                .description(naming.batchDescription())
                .register(registry);
        failures = Counter.builder(prefix + naming.batchMeter())
                .tag("outcome", "failure")
                .description(naming.batchDescription())
                .register(registry);
        acknowledged = Counter.builder(prefix + "events.acknowledged")
                .description("Events acknowledged by " + naming.peer())
                .register(registry);
        Gauge.builder(prefix + "lag.events", this, EventLogForwarder::lagEvents)
                .description("Events written to the log and not yet acknowledged by " + naming.peer())
                .register(registry);
        Gauge.builder(prefix + "lag.seconds", this, EventLogForwarder::lagSeconds)
                .description("Age of the oldest event not yet acknowledged by " + naming.peer())
                .register(registry);
        if (naming.failures() == FailureLog.PER_OUTAGE) {
            Gauge.builder(prefix + "up", this, f -> f.up ? 1 : 0)
                    .description("1 while " + naming.peer() + " acknowledges events, 0 while they wait in the log")
                    .register(registry);
        }
        worker = Thread.ofPlatform().name("tern-" + name).daemon(true).start(this::run);
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

    /** False while batches fail (the sink unreachable): the events wait in the log. */
    public boolean up() {
        return up;
    }

    private void run() {
        List<EventLogReader.Line> batch = new ArrayList<>();
        long interval = settings.batchInterval().toMillis();
        long batchStarted = 0;
        int failuresInRow = 0;
        while (running) {
            try {
                if (batch.size() < settings.batchSize() && (batch.isEmpty() || interval > 0)) {
                    List<EventLogReader.Line> more = reader.read(settings.batchSize() - batch.size());
                    if (batch.isEmpty() && !more.isEmpty()) {
                        batchStarted = clock.millis();
                        oldestPendingMillis = more.get(0).eventMillis(clock);
                    }
                    batch.addAll(more);
                }
                if (batch.isEmpty()
                        || (batch.size() < settings.batchSize() && clock.millis() - batchStarted < interval)) {
                    Thread.sleep(interval == 0 ? 20 : Math.min(50, interval));
                    continue;
                }
                Optional<String> failure = sink.send(batch);
                if (failure.isEmpty()) {
                    acknowledge(batch);
                    batch.clear();
                    failuresInRow = 0;
                } else {
                    failed(failure.get());
                    long delay = Math.min(
                            settings.retryMax().toMillis(),
                            settings.retryInitial().toMillis() << Math.min(20, failuresInRow));
                    failuresInRow++;
                    waitUntil(clock.millis() + delay);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.error("{}: reading the event log or writing the cursor failed: {}", naming.name(), e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void acknowledge(List<EventLogReader.Line> batch) throws IOException {
        EventLogReader.Line last = batch.getLast();
        long seq = last.seq() > 0 ? last.seq() : ackedSeq + batch.size();
        EventLogCursor.write(settings.cursorFile(), new EventLogCursor(last.segment(), last.nextOffset(), seq));
        ackedSeq = seq;
        acknowledged.increment(batch.size());
        successes.increment();
        oldestPendingMillis = 0;
        if (!up) {
            up = true;
            if (naming.failures() == FailureLog.PER_OUTAGE)
                log.info(
                        "{} {}: acknowledging events again; {} still to send",
                        naming.name(),
                        naming.target(),
                        lagEvents());
        }
    }

    private void failed(String reason) {
        failures.increment();
        if (naming.failures() == FailureLog.PER_FAILURE) {
            up = false;
            log.warn("{} {} failed: {}; will retry", naming.name(), naming.target(), reason);
        } else if (up) {
            up = false;
            log.warn(
                    "{} {} is not acknowledging events ({}); they wait in the event log ({} pending), retrying",
                    naming.name(),
                    naming.target(),
                    reason,
                    lagEvents());
        } else {
            log.debug("{} {}: batch failed again: {}", naming.name(), naming.target(), reason);
        }
        sink.failed();
    }

    /** Waits until Tern's clock reads {@code deadline}, so retries follow the clock Tern runs on; checked every 50 ms. */
    private void waitUntil(long deadline) throws InterruptedException {
        long left;
        while (running && (left = deadline - clock.millis()) > 0) Thread.sleep(Math.min(50, left));
    }

    /** Stops forwarding; an unacknowledged batch is sent again after the next start. */
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
            log.debug("closing the {} reader: {}", naming.name(), e.toString());
        }
        sink.close();
    }
}
