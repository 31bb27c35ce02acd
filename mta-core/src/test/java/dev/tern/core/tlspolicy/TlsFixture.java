package dev.tern.core.tlspolicy;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.testkit.dns.TestDnsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/** Shared pieces of the TLS policy tests: Tern's configuration, an in-process HTTPS policy server, stored messages, events. */
final class TlsFixture {
    private static final AtomicLong IDS = new AtomicLong();

    private TlsFixture() {}

    /**
     * Starts Tern on {@code clock}: DNS from 127.0.0.1:{@code dnsPort}, mail delivered to port
     * {@code smtpPort} with hourly retries and short timeouts, plus {@code delivery} (YAML keys of
     * the {@code delivery:} section, such as its {@code tls:}).
     */
    static TernServer tern(Path dir, Clock clock, int dnsPort, int smtpPort, String delivery) {
        return tern(dir, clock, dnsPort, smtpPort, delivery, "");
    }

    /** As {@link #tern(Path, Clock, int, int, String)}, with more top-level {@code sections} (e.g. {@code routes:}). */
    static TernServer tern(Path dir, Clock clock, int dnsPort, int smtpPort, String delivery, String sections) {
        return TernServer.start(
                TestConfig.of(dir, false, """
                dns: { servers: ["127.0.0.1:%d"] }
                %sdelivery:
                  smtp_port: %d
                  retry: { initial: 1h, multiplier: 2, max: 2h, jitter: 0 }
                  timeouts: { connect: 2s, banner: 5s, ehlo: 5s, mail: 5s, rcpt: 5s, data_init: 5s, data_block: 5s, data_end: 5s, quit: 2s }
                %s""".formatted(dnsPort, sections, smtpPort, delivery.indent(2))), clock);
    }

    /**
     * Publishes the MTA-STS test domain {@code sts.test}: MX {@code mx.sts.test} and the policy host
     * {@code mta-sts.sts.test} on 127.0.0.1, policy id {@code 20261201}.
     */
    static void publishSts(TestDnsServer dns) {
        dns.mx("sts.test", 10, "mx.sts.test", 300)
                .a("mx.sts.test", "127.0.0.1", 300)
                .a("mta-sts.sts.test", "127.0.0.1", 300)
                .txt("_mta-sts.sts.test", "v=STSv1; id=20261201", 300);
    }

    /** An HTTPS server on 127.0.0.1 answering /.well-known/mta-sts.txt with {@link #policy}. */
    static final class PolicyServer implements AutoCloseable {
        final HttpsServer server;
        final AtomicReference<String> policy = new AtomicReference<>("");
        final AtomicInteger fetches = new AtomicInteger();

        PolicyServer(SSLContext tls) throws IOException {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            server.createContext(StsFetcher.PATH, exchange -> {
                fetches.incrementAndGet();
                byte[] body = policy.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Stores one message to {@code rcpt}, due now, and waits until it is durable; returns its id. */
    static String store(Spool spool, String rcpt, long now) {
        String id = "t" + String.format("%09d", IDS.incrementAndGet());
        byte[] body = ("Subject: " + id + "\r\nMessage-ID: <" + id + "@test>\r\n\r\nbody of " + id + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Envelope env = new Envelope(
                id, "sender@tern.test", "", "", "", false, now, now + 86_400_000L * 5, body.length, Map.of());
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        spool.store(env, body, List.of(new QueueEntry(env, domain, List.of(RecipientState.pending(rcpt)), 0, now)))
                .join();
        return id;
    }

    /** The last event of a message after its reception, once there is one (waits up to 10 s). */
    static JsonNode outcome(Path dir, String messageId) {
        return await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> events(dir, messageId), evs -> evs.stream().anyMatch(TlsFixture::isOutcome))
                .stream()
                .filter(TlsFixture::isOutcome)
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    private static boolean isOutcome(JsonNode event) {
        return !event.path("type").asText().equals("reception");
    }

    /** The events of a message, in order. */
    static List<JsonNode> events(Path dir, String messageId) {
        return TestConfig.events(TestConfig.eventLog(dir)).stream()
                .filter(e -> messageId.equals(e.path("message_id").asText()))
                .toList();
    }
}
