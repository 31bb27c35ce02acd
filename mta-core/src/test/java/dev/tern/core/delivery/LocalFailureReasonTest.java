package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tern's own delivery failures carry the reason fixed where they are made, not one read back from
 * their text: over loopback, a refused connection and a connect timeout are {@code networkerror}, a
 * failed TLS handshake is {@code securityerror}, a DNS SERVFAIL is {@code systemerror}; none of them
 * is a spam block or an expiry, and {@code tern_messages_deferred_total{reason_class}} counts the same.
 */
class LocalFailureReasonTest {
    private static final String TOKEN = "local-failure-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void refusedTimedOutTlsAndServfailDeferWithTheirOwnReasons() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: connections are refused
        }
        MutableClock clock = new MutableClock(Instant.parse("2026-06-01T09:00:00Z"));
        try (TestDnsServer dns = TestDnsServer.start();
                FullBacklog slow = new FullBacklog();
                BrokenTls tls = new BrokenTls()) {
            dns.servfail("servfail.test");
            Path config = dir.resolve("tern.yaml");
            Files.writeString(config, """
          server: { hostname: tern.test }
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:0 }
          admin: { listen: 127.0.0.1:0, token: "%s" }
          events: { log: "%s" }
          dns: { servers: ["127.0.0.1:%d"], timeout: 5s, attempts: 1 }
          delivery:
            retry: { initial: 1h, multiplier: 2.0, max: 2h, jitter: 0 }
            timeouts: { connect: 500ms, banner: 3s, ehlo: 3s, mail: 3s, rcpt: 3s, data_init: 3s, data_block: 3s, data_end: 3s, quit: 1s }
          routes:
            refused.test: 127.0.0.1:%d
            slow.test: 127.0.0.1:%d
            tls.test: 127.0.0.1:%d
          """.formatted(
                            dir.resolve("spool"),
                            TOKEN,
                            dir.resolve("events.jsonl"),
                            dns.port(),
                            closedPort,
                            slow.port(),
                            tls.port()));
            try (TernServer tern = TernServer.start(ConfigLoader.load(config), clock, config)) {
                List<Event> deferred = new CopyOnWriteArrayList<>();
                tern.events().register(new EventSink() {
                    @Override
                    public void accept(Event e) {
                        if (e.kind() == EventType.TRANSIENT_FAILURE) deferred.add(e);
                    }
                });
                inject(
                        tern.injectionAddress(),
                        List.of("a@refused.test", "b@slow.test", "c@tls.test", "d@servfail.test"));
                await().atMost(Duration.ofSeconds(20)).until(() -> deferred.size() == 4);

                Map<String, Event> byDomain = deferred.stream()
                        .collect(Collectors.toMap(
                                e -> e.recipient().substring(e.recipient().indexOf('@') + 1), e -> e));
                assertThat(byDomain.get("refused.test").reason()).isEqualTo("networkerror");
                assertThat(byDomain.get("slow.test").reason()).isEqualTo("networkerror");
                assertThat(byDomain.get("tls.test").reason()).isEqualTo("securityerror");
                assertThat(byDomain.get("servfail.test").reason())
                        .as(byDomain.get("servfail.test").reply())
                        .isEqualTo("systemerror");
                assertThat(tls.handshakesBroken()).isGreaterThanOrEqualTo(1);
                assertThat(slow.port()).isPositive();
                for (Event e : deferred) {
                    assertThat(e.bounceClass()).as(e.recipient()).isNotIn("spam-related", "message-expired");
                    assertThat(e.reason()).as(e.recipient()).isNotIn("blocked", "expired");
                    assertThat(e.hard()).as(e.recipient()).isFalse();
                }
                assertThat(byDomain.get("refused.test").bounceClass()).isEqualTo("routing-errors");
                assertThat(byDomain.get("tls.test").bounceClass()).isEqualTo("policy-related");
                assertThat(byDomain.get("servfail.test").bounceClass()).isEqualTo("other");

                // the metric agrees with the events, class by class
                Map<String, Long> expected =
                        deferred.stream().collect(Collectors.groupingBy(Event::bounceClass, Collectors.counting()));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    String scrape = scrape(tern.adminAddress());
                    for (Map.Entry<String, Long> c : expected.entrySet()) {
                        assertThat(sum(scrape, "reason_class=\"" + c.getKey() + "\""))
                                .as(c.getKey())
                                .isEqualTo(c.getValue().doubleValue());
                    }
                    assertThat(sum(scrape, "reason_class=\"spam-related\"")).isZero();
                    assertThat(sum(scrape, "reason_class=\"message-expired\"")).isZero();
                });
            }
        }
    }

    private static void inject(InetSocketAddress to, List<String> recipients) throws IOException {
        for (String rcpt : recipients)
            RawSmtp.send(
                    to,
                    "sender@inject.test",
                    rcpt,
                    "From: <sender@inject.test>\r\nTo: <" + rcpt + ">\r\nSubject: t\r\n\r\nhello\r\n");
    }

    private static String scrape(InetSocketAddress admin) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Sum of the {@code tern_messages_deferred_total} samples whose labels contain {@code label}. */
    private static double sum(String scrape, String label) {
        Matcher m = Pattern.compile("(?m)^tern_messages_deferred_total(\\{[^}]*\\})? (\\S+)$")
                .matcher(scrape);
        double total = 0;
        while (m.find()) {
            if (m.group(1) != null && m.group(1).contains(label)) total += Double.parseDouble(m.group(2));
        }
        return total;
    }

    /**
     * A listener that never accepts, its accept queue filled by connections of its own: the kernel
     * drops further SYNs, so a client's connect times out.
     */
    private static final class FullBacklog implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> fillers = new ArrayList<>();

        FullBacklog() throws IOException {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(server.getLocalSocketAddress(), 300);
                } catch (IOException full) {
                    s.close();
                    break; // the queue is full: this connect already timed out
                }
                fillers.add(s);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) s.close();
            server.close();
        }
    }

    /**
     * An SMTP server whose STARTTLS handshake breaks (it answers the ClientHello with plain text);
     * the clear-text retry that follows finds the connection closed at once.
     */
    private static final class BrokenTls implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger broken = new AtomicInteger();
        private final Thread thread = Thread.ofVirtual().start(this::serve);

        BrokenTls() throws IOException {}

        int port() {
            return server.getLocalPort();
        }

        int handshakesBroken() {
            return broken.get();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5_000);
                    if (connections.incrementAndGet() % 2 == 0) continue; // the clear-text retry: closed
                    BufferedReader in =
                            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    out.write("220 tls.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (in.readLine() == null) continue; // EHLO
                    out.write("250-tls.test\r\n250 STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String cmd = in.readLine();
                    if (cmd == null || !cmd.equalsIgnoreCase("STARTTLS")) continue;
                    out.write("220 2.0.0 ready\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.getInputStream().read(new byte[512]); // the ClientHello
                    out.write("this is not a TLS record\r\n".repeat(4).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    broken.incrementAndGet();
                    // justified sleep: the fake server keeps the socket open a moment, so the client
                    // fails on the garbage as a TLS handshake failure rather than on a reset
                    Thread.sleep(200);
                } catch (IOException | InterruptedException e) {
                    // closed, or a client gone: next connection
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            thread.interrupt();
        }
    }
}
