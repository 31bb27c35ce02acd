package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tern.core.inject.TestListener.TestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection discipline of the injection listener over real loopback sockets, with small deadlines:
 * a drip-feeding client is closed at the command deadline however it spaces its bytes, a silent
 * SMTPS or STARTTLS client at the handshake timeout, 1,000 connections from one address do not keep
 * a client on another address out, a nearly full listener cuts its timeouts and says so once, and
 * failed TLS handshakes log a few lines without stack traces.
 */
class ConnectionDisciplineTest {
    @TempDir
    Path dir;

    private TestListener t;
    private final List<Socket> raw = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : raw) s.close();
        if (t != null) t.close();
    }

    private void start(String extra) throws Exception {
        start("2s", extra);
    }

    private void start(String commandDeadline, String extra) throws Exception {
        t = new TestListener(
                dir, """
          relay_from: [127.0.0.1/32]
          idle_timeout: 30s
          command_deadline: %s
          min_data_rate: 500
          tls:
            starttls: true
            self_signed: true
            certificate: "%s"
            private_key: "%s"
            smtps_listen: 127.0.0.1:0
            handshake_timeout: 1s
        %s""".formatted(commandDeadline, dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem"), extra));
    }

    private Socket rawConnect(InetSocketAddress to, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(to, 5_000);
        raw.add(s);
        return s;
    }

    /** Reads until the server closes; returns what it sent. Fails the test if that takes longer than {@code max}. */
    private static String readUntilClosed(Socket s, Duration max) throws IOException {
        s.setSoTimeout((int) max.toMillis());
        InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        byte[] buf = new byte[1024];
        try {
            for (int n; (n = in.read(buf)) > 0; ) b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + max + "; got: " + b);
        } catch (IOException e) {
            // reset by the server: closed
        }
        return b.toString();
    }

    /** Sends one byte every {@code every} until the connection breaks (on a daemon thread). */
    private static void drip(Socket s, String text, Duration every) {
        Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int i = 0; ; i = (i + 1) % text.length()) {
                    out.write(text.charAt(i));
                    out.flush();
                    // justified sleep: a slow-drip client, paced in real time against the server's real-time deadline
                    Thread.sleep(every.toMillis());
                }
            } catch (IOException | InterruptedException e) {
                // closed: done
            }
        });
    }

    @Test
    void aDripFeedingClientIsClosedAtTheCommandDeadline() throws Exception {
        start("");
        Socket s = rawConnect(t.listener.address(), "127.0.0.2");
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        assertThat(in.readLine()).startsWith("220 ");
        long start = System.nanoTime();
        // a byte every 300 ms never trips the 30 s idle timeout of a single read
        drip(s, "EHLO a-very-long-name-that-never-ends.example.test", Duration.ofMillis(300));
        String rest = readUntilClosed(s, Duration.ofSeconds(8));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(rest).startsWith("421 4.4.2");
        assertThat(ms).isBetween(1_500L, 6_000L);
    }

    @Test
    void aDripFeedingMessageTextIsClosedAtTheDeadlineAndNothingIsQueued() throws Exception {
        start("");
        TestClient c = t.connect("127.0.0.1");
        c.cmd("EHLO client.test");
        assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("250");
        assertThat(c.cmd("RCPT TO:<r@example.test>")).startsWith("250");
        assertThat(c.cmd("DATA")).startsWith("354");
        long start = System.nanoTime();
        drip(c.socket, "Subject: drip\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", Duration.ofMillis(200));
        String rest = readUntilClosed(c.socket, Duration.ofSeconds(8));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(rest).startsWith("421 4.4.2");
        assertThat(ms).isBetween(1_500L, 6_000L);
        assertThat(t.entries()).isEmpty();
    }

    @Test
    void aSilentClientIsClosedOnceAtTheIdleTimeoutWithOneLogLine() throws Exception {
        t = new TestListener(dir, """
          relay_from: [127.0.0.1/32]
          idle_timeout: 1s
          command_deadline: 60s
        """);
        TestClient c = t.connect("127.0.0.1");
        assertThat(c.cmd("EHLO client.test")).startsWith("250");
        long start = System.nanoTime();
        // nothing more: the watchdog ends the blocked read (no socket timeout is set on it)
        String rest = readUntilClosed(c.socket, Duration.ofSeconds(8));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(rest.split("\r\n"))
                .singleElement()
                .asString()
                .startsWith("421 4.4.2")
                .contains("timeout exceeded");
        assertThat(ms).isBetween(900L, 5_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> t.listener.openConnections() == 0);
        assertThat(t.warnings().stream().map(ILoggingEvent::getFormattedMessage))
                .filteredOn(m -> m.contains("idle timeout"))
                .hasSize(1);
    }

    @Test
    void aFastClientIsNotCutByTheDeadline() throws Exception {
        start("");
        TestClient c = t.connect("127.0.0.1");
        c.cmd("EHLO client.test");
        // 2 MiB in one DATA: far beyond what 2 s of deadline would allow without the data-rate credit
        String body = ("x".repeat(998) + "\r\n").repeat(2048);
        assertThat(c.send("a@x.test", List.of("r@example.test"), "Subject: big\r\n\r\n" + body))
                .startsWith("250 2.0.0");
        // idle between commands but within the deadline: fine
        // justified sleep: real idle time within SubEthaSMTP's real-time idle deadline; asserts a positive reply
        Thread.sleep(1_000);
        assertThat(c.cmd("NOOP")).startsWith("250");
    }

    @Test
    void aSilentSmtpsClientIsClosedAtTheHandshakeTimeout() throws Exception {
        start("");
        Socket s = rawConnect(t.listener.smtpsAddress().orElseThrow(), "127.0.0.2");
        long start = System.nanoTime();
        String got = readUntilClosed(s, Duration.ofSeconds(6));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(got).doesNotContain("220"); // no banner without TLS
        assertThat(ms).isBetween(700L, 4_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> t.listener.openConnections() == 0);
    }

    @Test
    void aClientSilentAfterStartTlsIsClosedAtTheHandshakeTimeout() throws Exception {
        start("");
        TestClient c = t.connect("127.0.0.2");
        c.cmd("EHLO client.test");
        assertThat(c.cmd("STARTTLS")).startsWith("220 2.0.0");
        long start = System.nanoTime();
        readUntilClosed(c.socket, Duration.ofSeconds(6));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(700L, 4_000L);
    }

    @Test
    void thousandHostileConnectionsFromOneAddressDoNotKeepAnotherClientOut() throws Exception {
        start("60s", ""); // default max_connections_per_ip: 50; the hostile ones stay while the test runs
        for (int i = 0; i < 1000; i++) {
            try {
                rawConnect(t.listener.address(), "127.0.0.2");
            } catch (IOException e) {
                // the backlog may refuse some: that is the point of the test, not a failure
            }
        }
        // the hostile address holds at most its 50 slots
        await().atMost(Duration.ofSeconds(20)).until(() -> t.listener.openConnections() <= 60);
        TestClient c = t.connect("127.0.0.1");
        assertThat(c.banner).startsWith("220 ");
        c.cmd("EHLO client.test");
        assertThat(c.send("a@x.test", List.of("r@example.test"), "Subject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        // one of the hostile ones, past its address's limit, is refused with an enhanced code
        TestClient extra = t.connect("127.0.0.2");
        assertThat(extra.banner).startsWith("421 4.7.0");
    }

    @Test
    void aNearlyFullListenerCutsItsTimeoutsAndSaysSoOnce() throws Exception {
        start("60s", """
          max_connections: 10
          max_connections_per_ip: 0
          stress_threshold: 0.5
          stress_timeout: 1s
        """);
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 8; i++) idle.add(rawConnect(t.listener.address(), "127.0.0.2"));
        long start = System.nanoTime();
        for (Socket s : idle)
            assertThat(readUntilClosed(s, Duration.ofSeconds(8))).contains("421 4.4.2");
        // without stress they would have had 30 s (idle) and 60 s (deadline)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(6_000L);
        assertThat(t.warnings().stream().map(ILoggingEvent::getFormattedMessage))
                .filteredOn(m -> m.contains("under stress"))
                .hasSize(1);
    }

    @Test
    void hundredFailedHandshakesLogAFewLinesWithoutStackTraces() throws Exception {
        start("");
        t.log.list.clear(); // the self-signed certificate warnings of the start
        for (int i = 0; i < 50; i++) {
            TestClient c = t.connect("127.0.0.2");
            c.cmd("EHLO client.test");
            assertThat(c.cmd("STARTTLS")).startsWith("220");
            c.write("this is not a TLS ClientHello\r\n\r\n\r\n");
            readUntilClosed(c.socket, Duration.ofSeconds(5));
        }
        for (int i = 0; i < 50; i++) {
            Socket s = rawConnect(t.listener.smtpsAddress().orElseThrow(), "127.0.0.2");
            s.getOutputStream().write("EHLO plain-text-on-smtps\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            readUntilClosed(s, Duration.ofSeconds(5));
        }
        List<ILoggingEvent> lines = t.warnings();
        assertThat(lines).hasSizeLessThanOrEqualTo(5);
        assertThat(lines).allMatch(e -> e.getThrowableProxy() == null);
        assertThat(lines).anyMatch(e -> e.getFormattedMessage().contains("TLS handshake with 127.0.0.2 failed"));
        // the listener still serves
        TestClient ok = t.connect("127.0.0.1");
        ok.cmd("EHLO client.test");
        assertThat(ok.send("a@x.test", List.of("r@example.test"), "Subject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
    }

    private static SSLContext trustAll(String... protocols) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                new SecureRandom());
        return ctx;
    }

    @Test
    void tls12OffersOnlyAeadSuites() throws Exception {
        start("");
        SSLContext ctx = trustAll();
        // a client that offers only CBC suites finds nothing in common
        Socket base = rawConnect(t.listener.smtpsAddress().orElseThrow(), "127.0.0.1");
        SSLSocket cbc = (SSLSocket) ctx.getSocketFactory().createSocket(base, "127.0.0.1", base.getPort(), true);
        cbc.setEnabledProtocols(new String[] {"TLSv1.2"});
        cbc.setEnabledCipherSuites(new String[] {
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(cbc::startHandshake).isInstanceOf(IOException.class);
        // a TLS 1.2 client with defaults gets an AEAD suite
        TestClient ok = t.connectSmtps("127.0.0.1", ctx);
        assertThat(ok.banner).startsWith("220 ");
        String suite = ((SSLSocket) ok.socket).getSession().getCipherSuite();
        assertThat(suite).matches(".*(GCM|CHACHA20_POLY1305).*|TLS_AES_.*|TLS_CHACHA20_.*");
    }

    @Test
    void opensslTls12RenegotiationIsRefused() throws Exception {
        Path openssl = Stream.of("/usr/bin/openssl", "/usr/local/bin/openssl")
                .map(Path::of)
                .filter(java.nio.file.Files::isExecutable)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(openssl != null, "openssl not installed (scripts/install-test-tools.sh installs it)");
        start("60s", "");
        InetSocketAddress smtps = t.listener.smtpsAddress().orElseThrow();
        // interactive s_client: a line "R" asks for a renegotiation; then a command that only gets a reply
        // if the connection survived
        Process p = new ProcessBuilder(
                        openssl.toString(), "s_client", "-tls1_2", "-connect", "127.0.0.1:" + smtps.getPort(), "-crlf")
                .redirectErrorStream(true)
                .start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out) {
                        out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        });
        OutputStream stdin = p.getOutputStream();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            synchronized (out) {
                return out.toString().contains("220 mx.tern.test");
            }
        });
        stdin.write("R\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (out) {
                return out.toString().contains("RENEGOTIATING");
            }
        });
        try {
            stdin.write("NOOP\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            // either the server ended the session (refused) or the NOOP got through (accepted)
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                synchronized (out) {
                    return !p.isAlive() || out.toString().contains("250 2.0.0 Ok");
                }
            });
            stdin.close();
        } catch (IOException e) {
            // s_client already ended: the server broke the connection
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        String text;
        synchronized (out) {
            text = out.toString();
        }
        assertThat(text).contains("RENEGOTIATING");
        // refused: the server ends the connection with an alert, the NOOP never gets its 250
        assertThat(text).doesNotContain("250 2.0.0 Ok");
        assertThat(text).containsIgnoringCase("alert");
    }
}
