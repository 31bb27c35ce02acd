package dev.tern.core.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts the event log to an HTTP endpoint: JSON arrays of event objects, in log order, in
 * batches of up to {@code batchSize} events (a partial batch goes once its first event waited
 * {@code batchInterval}). Any 2xx answer acknowledges a batch; anything else (or no answer) is
 * retried with the same batch after an exponentially growing delay (measured on Tern's clock), forever.
 *
 * <p>It reads the log files, not the live event stream: after each acknowledged batch the
 * position (segment, offset, seq) is written to the cursor file and fsync'd, so after a
 * restart or a crash posting resumes right after the last acknowledged event: no gaps, and at
 * most the batch in flight is posted twice (at-least-once). Every event carries its
 * {@code seq} so receivers can drop duplicates. Without a cursor file it starts at the oldest
 * segment still on disk.
 *
 * <p>Metrics: {@code tern.webhook.lag.events} (events written minus acknowledged),
 * {@code tern.webhook.lag.seconds} (age of the oldest unacknowledged event),
 * {@code tern.webhook.requests{outcome=success|failure}}, {@code tern.webhook.events.acknowledged}.
 */
public final class WebhookForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookForwarder.class);

    /**
     * @param url           endpoint
     * @param headers       extra request headers
     * @param batchSize     most events per request
     * @param batchInterval longest wait for a partial batch to fill
     * @param timeout       request timeout
     * @param retryInitial  first retry delay (doubles per consecutive failure)
     * @param retryMax      longest retry delay
     * @param cursorFile    where the acknowledged position is kept
     * @param secret        HMAC-SHA256 key of the {@link WebhookSignature} header ("" = requests are not signed)
     */
    public record Settings(
            URI url,
            Map<String, String> headers,
            int batchSize,
            Duration batchInterval,
            Duration timeout,
            Duration retryInitial,
            Duration retryMax,
            Path cursorFile,
            String secret) {}

    /** The acknowledged position: the next event to post is at (segment, offset); seq is the last acknowledged. */
    private final Settings settings;

    private final JsonLinesEventLog eventLog;
    private final Clock clock;
    private final HttpClient http;
    private final EventLogReader reader;
    private final Thread worker;
    private final Counter successes;
    private final Counter failures;
    private final Counter acknowledged;
    private volatile long ackedSeq;
    private volatile long oldestPendingMillis; // 0 = nothing pending
    private volatile boolean running = true;

    public WebhookForwarder(Settings settings, JsonLinesEventLog eventLog, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.eventLog = eventLog;
        this.clock = clock;
        EventLogCursor c = EventLogCursor.read(settings.cursorFile(), "webhook");
        if (c == null || c.segment() > eventLog.activeSegment()) {
            if (c != null) log.warn("webhook cursor {} points past the event log; starting at its oldest segment", c);
            c = new EventLogCursor(eventLog.segments().get(0), 0, 0);
        }
        ackedSeq = c.seq();
        reader = new EventLogReader(eventLog, c.segment(), c.offset());
        http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        successes = Counter.builder("tern.webhook.requests")
                .tag("outcome", "success")
                .description("Webhook POSTs")
                .register(registry);
        failures = Counter.builder("tern.webhook.requests")
                .tag("outcome", "failure")
                .description("Webhook POSTs")
                .register(registry);
        acknowledged = Counter.builder("tern.webhook.events.acknowledged")
                .description("Events acknowledged by the webhook")
                .register(registry);
        Gauge.builder("tern.webhook.lag.events", this, WebhookForwarder::lagEvents)
                .description("Events written to the log and not yet acknowledged by the webhook")
                .register(registry);
        Gauge.builder("tern.webhook.lag.seconds", this, WebhookForwarder::lagSeconds)
                .description("Age of the oldest event not yet acknowledged by the webhook")
                .register(registry);
        worker = Thread.ofPlatform().name("tern-webhook").daemon(true).start(this::run);
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

    private void run() {
        List<EventLogReader.Line> batch = new ArrayList<>();
        long batchStarted = 0;
        int failuresInRow = 0;
        while (running) {
            try {
                if (batch.size() < settings.batchSize()) {
                    List<EventLogReader.Line> more = reader.read(settings.batchSize() - batch.size());
                    if (batch.isEmpty() && !more.isEmpty()) {
                        batchStarted = clock.millis();
                        oldestPendingMillis = more.get(0).eventMillis(clock);
                    }
                    batch.addAll(more);
                }
                if (batch.isEmpty()
                        || (batch.size() < settings.batchSize()
                                && clock.millis() - batchStarted
                                        < settings.batchInterval().toMillis())) {
                    Thread.sleep(Math.min(50, settings.batchInterval().toMillis()));
                    continue;
                }
                if (post(batch)) {
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
                } else {
                    failures.increment();
                    long delay = Math.min(
                            settings.retryMax().toMillis(),
                            settings.retryInitial().toMillis() << Math.min(20, failuresInRow));
                    failuresInRow++;
                    waitUntil(clock.millis() + delay);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.error("webhook: reading the event log failed: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /**
     * Waits until Tern's clock reads {@code deadline} (as the batch interval does), so the retry
     * schedule follows the clock Tern runs on; checked at least every 50 ms.
     */
    private void waitUntil(long deadline) throws InterruptedException {
        long left;
        while (running && (left = deadline - clock.millis()) > 0) Thread.sleep(Math.min(50, left));
    }

    private boolean post(List<EventLogReader.Line> batch) throws InterruptedException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) body.write(',');
            body.writeBytes(batch.get(i).json());
        }
        body.write(']');
        HttpRequest.Builder rb = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        settings.headers().forEach(rb::header);
        if (!settings.secret().isEmpty()) {
            rb.header(
                    WebhookSignature.HEADER,
                    WebhookSignature.header(
                            settings.secret().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            clock.instant(),
                            body.toByteArray()));
        }
        try {
            HttpResponse<Void> r = http.send(rb.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 == 2) return true;
            log.warn(
                    "webhook {} answered {} to a batch of {} events; will retry",
                    settings.url(),
                    r.statusCode(),
                    batch.size());
        } catch (IOException e) {
            log.warn("webhook {} failed: {}; will retry", settings.url(), e.toString());
        }
        return false;
    }

    /** Stops posting; an unacknowledged batch is posted again after the next start. */
    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(5000);
            reader.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("closing the webhook reader: {}", e.toString());
        }
    }
}
