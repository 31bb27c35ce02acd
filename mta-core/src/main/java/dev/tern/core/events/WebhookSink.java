package dev.tern.core.events;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Posts the event log to an HTTP endpoint, as an {@link EventLogForwarder.Sink}: JSON arrays of
 * event objects, in log order, in batches of up to {@code batchSize} events (a partial batch goes
 * once its first event waited {@code batchInterval}). Any 2xx answer acknowledges a batch; anything
 * else (or no answer) is retried by the forwarder after an exponentially growing delay (measured on
 * Tern's clock), forever. Every event carries its {@code seq} so receivers can drop duplicates.
 *
 * <p>Metrics ({@link EventLogForwarder}): {@code tern.webhook.lag.events} (events written minus
 * acknowledged), {@code tern.webhook.lag.seconds} (age of the oldest unacknowledged event),
 * {@code tern.webhook.requests{outcome=success|failure}}, {@code tern.webhook.events.acknowledged};
 * every failed request is logged.
 */
public final class WebhookSink implements EventLogForwarder.Sink {

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

    private final Settings settings;
    private final Clock clock;
    private final HttpClient http;

    private WebhookSink(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** A running forwarder of {@code eventLog} to the webhook. */
    public static EventLogForwarder forwarder(
            Settings settings, JsonLinesEventLog eventLog, MeterRegistry registry, Clock clock) {
        EventLogForwarder.Naming naming = new EventLogForwarder.Naming(
                "webhook",
                settings.url().toString(),
                "the webhook",
                "requests",
                "Webhook POSTs",
                EventLogForwarder.FailureLog.PER_FAILURE);
        return new EventLogForwarder(
                new EventLogForwarder.Settings(
                        naming,
                        settings.batchSize(),
                        settings.batchInterval(),
                        settings.retryInitial(),
                        settings.retryMax(),
                        settings.cursorFile()),
                new WebhookSink(settings, clock),
                eventLog,
                registry,
                clock);
    }

    /** POSTs the batch as one JSON array; acknowledged by any 2xx answer. */
    @Override
    public Optional<String> send(List<EventLogReader.Line> batch) throws InterruptedException {
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
                            settings.secret().getBytes(StandardCharsets.UTF_8), clock.instant(), body.toByteArray()));
        }
        try {
            HttpResponse<Void> r = http.send(rb.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 == 2) return Optional.empty();
            return Optional.of("answered " + r.statusCode() + " to a batch of " + batch.size() + " events");
        } catch (IOException e) {
            return Optional.of(e.toString());
        }
    }
}
