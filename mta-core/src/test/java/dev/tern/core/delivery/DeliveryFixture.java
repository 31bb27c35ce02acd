package dev.tern.core.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.testkit.smtp.ReceivedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Configurations on ephemeral loopback ports, messages stored straight into the spool, outcome events, event log reading. */
final class DeliveryFixture {
    private static final AtomicLong IDS = new AtomicLong();

    private DeliveryFixture() {}

    /** A config with spool and events under {@code dir}; {@code yaml} adds sections (routes, delivery ...). */
    static TernConfig config(Path dir, String yaml) {
        return TestConfig.of(dir, false, yaml);
    }

    /** Writes a shaping file and returns its path. */
    static Path shaping(Path dir, String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    /** Stores {@code n} one-recipient messages for {@code domain} (due at {@code dueAt}) and waits until durable. */
    static List<String> store(Spool spool, int n, String domain, boolean transactional, long now, long dueAt) {
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "m" + String.format("%09d", IDS.incrementAndGet());
            String rcpt = "u" + i + "@" + domain;
            byte[] body = ("Subject: " + id + "\r\nMessage-ID: <" + id + "@test>\r\n\r\nbody of " + id + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            Envelope env = new Envelope(
                    id, "sender@tern.test", "", "", "", transactional, now, now + 86_400_000L, body.length, Map.of());
            writes.add(spool.store(
                    env, body, List.of(new QueueEntry(env, domain, List.of(RecipientState.pending(rcpt)), 0, dueAt))));
            ids.add(id);
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        return ids;
    }

    /** The Message-ID local part ("m000000123") of a delivered message. */
    static String id(ReceivedMessage m) {
        String t = m.text();
        int i = t.indexOf("Subject: ");
        return t.substring(i + 9, t.indexOf("\r\n", i));
    }

    /** The latest outcome event (any but reception) per recipient, as {@code tern} publishes them from now on. */
    static Map<String, Event> outcomes(TernServer tern) {
        Map<String, Event> outcome = new ConcurrentHashMap<>();
        tern.events().register(e -> {
            if (e.kind() != EventType.RECEPTION) outcome.put(e.recipient(), e);
        });
        return outcome;
    }

    static List<JsonNode> events(Path dir) {
        return TestConfig.events(TestConfig.eventLog(dir));
    }

    /** The most events in any window of {@code windowNanos} (sorted times; a window is [t, t + window)). */
    static int maxInWindow(List<Long> sortedNanos, long windowNanos) {
        int best = 0;
        int j = 0;
        for (int i = 0; i < sortedNanos.size(); i++) {
            while (sortedNanos.get(i) - sortedNanos.get(j) >= windowNanos) j++;
            best = Math.max(best, i - j + 1);
        }
        return best;
    }
}
