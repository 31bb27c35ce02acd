package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.telemetry.PathMetrics;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.LoggerFactory;

/** A real injection listener on 127.0.0.1 with a real spool, for hostile-session tests; captures the log. */
final class TestListener implements AutoCloseable {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    final List<Event> events = new CopyOnWriteArrayList<>();
    final Spool spool;
    final InjectionListener listener;
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();

    /** {@code injectionYaml}: the body of the {@code injection:} section, indented by two spaces. */
    TestListener(Path dir, String injectionYaml) throws Exception {
        this(dir, injectionYaml, "");
    }

    TestListener(Path dir, String injectionYaml, String moreYaml) throws Exception {
        TernConfig config = ConfigLoader.parse(
                "server: { hostname: mx.tern.test }\ninjection:\n  listen: 127.0.0.1:0\n" + injectionYaml + "\n"
                        + moreYaml,
                "test");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        log.start();
        root.addAppender(log);
        spool = Spool.open(SpoolSettings.defaults(dir.resolve("spool")).withMinFreeDiskBytes(0));
        EventBus bus = new EventBus();
        bus.register(events::add);
        listener = new InjectionListener(
                config,
                spool,
                bus,
                new DkimSigning(config.dkim()),
                clock,
                null,
                new PathMetrics(new SimpleMeterRegistry()));
        listener.start();
    }

    /** A TLS client context that trusts exactly the certificate in {@code certFile} (the listener's self-signed one). */
    static SSLContext trusting(Path certFile) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(certFile)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("tern", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** WARN and ERROR lines logged since start. */
    List<ILoggingEvent> warnings() {
        return log.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .toList();
    }

    TestClient connect(String from) throws IOException {
        return track(new TestClient(listener.address(), from, null));
    }

    TestClient connectSmtps(String from, SSLContext tls) throws IOException {
        return track(new TestClient(listener.smtpsAddress().orElseThrow(), from, tls));
    }

    private TestClient track(TestClient c) {
        clients.add(c);
        return c;
    }

    List<QueueEntry> entries() {
        List<QueueEntry> out = new ArrayList<>();
        spool.forEachEntry(out::add);
        return out;
    }

    @Override
    public void close() throws Exception {
        for (TestClient c : clients) c.close();
        listener.close();
        spool.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
    }

    /** A line-oriented SMTP client over a real socket from a chosen loopback address. */
    static final class TestClient implements AutoCloseable {
        Socket socket;
        BufferedReader in;
        OutputStream out;
        final String banner;

        TestClient(InetSocketAddress to, String localAddress, SSLContext implicitTls) throws IOException {
            Socket s = new Socket(to.getAddress(), to.getPort(), InetAddress.getByName(localAddress), 0);
            if (implicitTls != null) {
                SSLSocket ssl = (SSLSocket)
                        implicitTls.getSocketFactory().createSocket(s, to.getHostString(), to.getPort(), true);
                ssl.setUseClientMode(true);
                s = ssl;
            }
            use(s);
            banner = reply();
        }

        void use(Socket s) throws IOException {
            socket = s;
            s.setSoTimeout(15_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            out = s.getOutputStream();
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The last line of the next reply, or "<closed>" when the server closed the connection. */
        String reply() throws IOException {
            List<String> lines = replyLines();
            return lines.isEmpty() ? "<closed>" : lines.get(lines.size() - 1);
        }

        List<String> replyLines() throws IOException {
            List<String> lines = new ArrayList<>();
            String r;
            try {
                do {
                    r = in.readLine();
                    if (r == null) return lines;
                    lines.add(r);
                } while (r.length() > 3 && r.charAt(3) == '-');
            } catch (IOException e) { // reset or TLS close
                return lines;
            }
            return lines;
        }

        String cmd(String line) throws IOException {
            write(line + "\r\n");
            return reply();
        }

        /** EHLO; asserts a positive reply and returns its lines. */
        List<String> ehlo() throws IOException {
            write("EHLO client.test\r\n");
            List<String> lines = replyLines();
            assertThat(lines).isNotEmpty().last().asString().startsWith("250 ");
            return lines;
        }

        /** STARTTLS and the handshake with {@code ctx}; the session goes on over TLS. */
        SSLSocket startTls(SSLContext ctx) throws IOException {
            assertThat(cmd("STARTTLS")).startsWith("220");
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory()
                    .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.startHandshake();
            use(ssl);
            return ssl;
        }

        /** One transaction; the first reply that is not a success, or the reply to the end of DATA. */
        String send(String from, List<String> to, String message) throws IOException {
            String r = cmd("MAIL FROM:<" + from + ">");
            if (!r.startsWith("250")) return r;
            int accepted = 0;
            for (String t : to) if (cmd("RCPT TO:<" + t + ">").startsWith("250")) accepted++;
            if (accepted == 0) {
                cmd("RSET");
                return "no recipient accepted";
            }
            r = cmd("DATA");
            if (!r.startsWith("354")) return r;
            return cmd(message + "\r\n.");
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
