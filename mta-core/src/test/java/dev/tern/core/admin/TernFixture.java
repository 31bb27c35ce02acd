package dev.tern.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tern started in-process for the ops tests: ephemeral loopback ports, a temporary spool, a
 * config file (so reload works), an admin token, and an in-memory event recorder. Also a
 * plain SMTP injector and an HTTP client for the admin server.
 */
public final class TernFixture implements AutoCloseable {
    public static final String TOKEN = "test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    public final Path configFile;
    public final String token;
    public final TernServer tern;
    public final List<Event> events = new CopyOnWriteArrayList<>();
    private final Map<EventType, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger seq = new AtomicInteger();

    /** Starts Tern with every domain routed to {@code sinkPort}; {@code extraYaml} is appended to the config. */
    public TernFixture(Path dir, int sinkPort, String token, String extraYaml) throws IOException {
        this.dir = dir;
        this.token = token;
        this.configFile = dir.resolve("tern.yaml");
        Files.writeString(configFile, yaml(dir, sinkPort, token, extraYaml));
        TernConfig config = ConfigLoader.load(configFile);
        tern = TernServer.start(config, Clock.systemUTC(), configFile);
        tern.events().register(new EventSink() {
            @Override
            public void accept(Event e) {
                events.add(e);
                counts.computeIfAbsent(e.kind(), k -> new AtomicInteger()).incrementAndGet();
            }
        });
    }

    public TernFixture(Path dir, int sinkPort) throws IOException {
        this(dir, sinkPort, TOKEN, "");
    }

    /** The config text (rewritten by tests that reload). */
    public static String yaml(Path dir, int sinkPort, String token, String extraYaml) {
        return """
        server: { hostname: tern.test }
        spool: { directory: "%s", min_free_disk: 1MiB }
        injection: { listen: 127.0.0.1:0 }
        admin: { listen: 127.0.0.1:0, token: "%s", token_file: "" }
        events: { log: "%s" }
        delivery:
          retry: { initial: 1m, multiplier: 2.0, max: 1h, jitter: 0.1 }
          timeouts: { connect: 2s, banner: 5s, ehlo: 5s, mail: 5s, rcpt: 5s, data_init: 5s, data_block: 5s, data_end: 10s, quit: 2s }
        """.formatted(dir.resolve("spool"), token, dir.resolve("events.jsonl")) + extraYaml
                + "routes:\n  \"*\": 127.0.0.1:" + sinkPort + "\n";
    }

    public int count(EventType t) {
        AtomicInteger c = counts.get(t);
        return c == null ? 0 : c.get();
    }

    public String adminUrl() {
        return "http://127.0.0.1:" + tern.adminAddress().getPort();
    }

    /** Injects one message per recipient; returns the queue ids. */
    public List<String> inject(List<String> recipients, String tenant, String campaign) throws IOException {
        List<String> ids = new ArrayList<>();
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            for (String rcpt : recipients) {
                String msg = "From: <sender@inject.test>\r\nTo: <" + rcpt + ">\r\nSubject: ops test "
                        + seq.incrementAndGet()
                        + "\r\n" + (tenant == null ? "" : "X-Tern-Tenant: " + tenant + "\r\n")
                        + (campaign == null ? "" : "X-Tern-Campaign: " + campaign + "\r\n") + "\r\nhello\r\n";
                String reply = c.send("sender@inject.test", List.of(rcpt), msg);
                if (!reply.startsWith("250")) throw new IOException("not accepted: " + reply);
                ids.add(reply.substring(reply.lastIndexOf(' ') + 1).strip());
            }
        }
        return ids;
    }

    public List<String> inject(String domain, int n) throws IOException {
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < n; i++) rcpts.add("user" + seq.get() + "x" + i + "@" + domain);
        return inject(rcpts, null, null);
    }

    /** An HTTP answer: status and body. */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    /** Calls the admin server; {@code token} null sends no Authorization header. */
    public Answer call(String method, String path, String jsonBody, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl() + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        jsonBody == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    public Answer call(String method, String path, String jsonBody) throws IOException, InterruptedException {
        return call(method, path, jsonBody, TOKEN);
    }

    /** Scrapes /metrics with the fixture's admin token. */
    public String scrape() throws IOException, InterruptedException {
        Answer a = call("GET", "/metrics", null, token);
        if (a.status() != 200) throw new AssertionError("scrape answered " + a);
        return a.body();
    }

    @Override
    public void close() {
        tern.close();
    }

    /**
     * Waits until the queue manager has looked at {@code n} entries of {@code domain} and put them
     * back because of a hold (a held entry is due again only a minute later): after this, nothing
     * of them can be delivered before a resume, so "the sink got none of them" is a real check.
     */
    void awaitHeldBack(String domain, int n) {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> {
                    long later = System.currentTimeMillis() + 30_000;
                    java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
                    tern.spool().forEachEntry(e -> {
                        if (e.domain().equals(domain) && e.nextAttemptAt() > later) held.incrementAndGet();
                    });
                    return held.get() == n;
                });
    }
}
