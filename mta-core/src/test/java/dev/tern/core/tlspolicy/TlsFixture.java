package dev.tern.core.tlspolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/** Shared pieces of the TLS policy tests: an in-process HTTPS policy server, stored messages, events. */
final class TlsFixture {
    private static final AtomicLong IDS = new AtomicLong();

    private TlsFixture() {}

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

    /** The events of a message, in order. */
    static List<JsonNode> events(Path dir, String messageId) {
        return TestConfig.events(TestConfig.eventLog(dir)).stream()
                .filter(e -> messageId.equals(e.path("message_id").asText()))
                .toList();
    }
}
