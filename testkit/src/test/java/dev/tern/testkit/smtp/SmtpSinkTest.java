package dev.tern.testkit.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class SmtpSinkTest {

    /** A minimal blocking client speaking over a plain socket. */
    private static final class Client implements AutoCloseable {
        Socket socket;
        BufferedReader in;
        OutputStream out;

        Client(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.connect(address, 2000);
            socket.setSoTimeout(5000);
            attach();
        }

        void attach() throws IOException {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        /** Reads one (possibly multi-line) reply and returns its lines. */
        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                if (line == null) throw new IOException("closed");
                lines.add(line);
            } while (line.length() > 3 && line.charAt(3) == '-');
            return lines;
        }

        String last() throws IOException {
            List<String> r = reply();
            return r.get(r.size() - 1);
        }

        void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void acceptsPipelinedTransactionAndUnstuffsDots() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.3").start();
                Client c = new Client(sink.address())) {
            assertThat(c.last()).startsWith("220 sink.test");
            c.send("EHLO client.test\r\n");
            List<String> ehlo = c.reply();
            assertThat(ehlo).contains("250-PIPELINING", "250-8BITMIME", "250-SMTPUTF8", "250 ENHANCEDSTATUSCODES");
            sink.onRcpt(r -> r.startsWith("bad") ? "550 5.1.1 User unknown" : null);
            c.send("MAIL FROM:<a@x.test> SIZE=40\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<bad@y.test>\r\nDATA\r\n");
            assertThat(c.last()).startsWith("250 2.1.0");
            assertThat(c.last()).startsWith("250 2.1.5");
            assertThat(c.last()).isEqualTo("550 5.1.1 User unknown");
            assertThat(c.last()).startsWith("354");
            c.send("Subject: x\r\n\r\n..leading dot\r\n.\r\n");
            assertThat(c.last()).startsWith("250 2.0.0");
            c.send("QUIT\r\n");
            assertThat(c.last()).startsWith("221");

            ReceivedMessage m = sink.awaitMessages(1, Duration.ofSeconds(5)).get(0);
            assertThat(m.mailFrom()).isEqualTo("a@x.test");
            assertThat(m.recipients()).containsExactly("b@y.test");
            assertThat(m.text()).isEqualTo("Subject: x\r\n\r\n.leading dot\r\n");
            assertThat(m.tls()).isFalse();
            List<Command> cmds = sink.commands();
            Command mail = cmds.stream()
                    .filter(x -> x.phase() == Phase.MAIL)
                    .findFirst()
                    .orElseThrow();
            Command data = cmds.stream()
                    .filter(x -> x.phase() == Phase.DATA)
                    .findFirst()
                    .orElseThrow();
            assertThat(mail.parameters()).isEqualTo("SIZE=40");
            assertThat(mail.readSequence()).isEqualTo(data.readSequence());
            assertThat(sink.connectionStats().get(0).maxCommandsPerRead()).isGreaterThanOrEqualTo(4);
            assertThat(sink.messagesOnConnection(m.connectionId())).isEqualTo(1);
        }
    }

    @Test
    void bannerScriptDelayAndDisconnect() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().start()) {
            sink.onBanner("421 4.7.0 Try later");
            try (Client c = new Client(sink.address())) {
                assertThat(c.last()).isEqualTo("421 4.7.0 Try later");
                assertThat(c.in.readLine()).isNull(); // closed after 421
            }
            sink.onBanner(null)
                    .delay(Phase.EHLO, Duration.ofMillis(300))
                    .disconnectAt(Phase.DATA_BODY, SmtpSink.Disconnect.RESET);
            try (Client c = new Client(sink.address())) {
                c.last();
                long t0 = System.nanoTime();
                c.send("EHLO c\r\nMAIL FROM:<>\r\n"); // MAIL waits behind the delayed EHLO reply
                c.reply();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
                assertThat(c.last()).startsWith("250");
                c.send("RCPT TO:<r@y.test>\r\nDATA\r\n");
                c.last();
                assertThat(c.last()).startsWith("354");
                c.send("partial body\r\n");
                assertThatThrownBy(c::reply).isInstanceOf(IOException.class);
            }
            assertThat(sink.messages()).isEmpty();
            assertThat(sink.connectionsAccepted()).isEqualTo(2);
        }
    }

    @Test
    void stopAndStartAgainOnTheSamePort() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.4").start();
        try {
            int port = sink.port();
            Client held = new Client(sink.address());
            held.last();
            sink.stop();
            assertThat(held.in.readLine()).isNull();
            held.close();
            assertThatThrownBy(() -> new Client(sink.address())).isInstanceOf(IOException.class);
            sink.start();
            assertThat(sink.port()).isEqualTo(port);
            try (Client c = new Client(sink.address())) {
                assertThat(c.last()).startsWith("220");
            }
            assertThat(sink.maxConcurrentConnections()).isEqualTo(1);
        } finally {
            sink.stop();
        }
    }

    @Test
    void startTlsWithSelfSignedCertificate() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().startTls(true).start();
                Client c = new Client(sink.address())) {
            c.last();
            c.send("EHLO c\r\n");
            assertThat(c.reply()).contains("250-STARTTLS");
            c.send("STARTTLS\r\n");
            assertThat(c.last()).startsWith("220");
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                            public X509Certificate[] getAcceptedIssuers() {
                                return new X509Certificate[0];
                            }
                        }
                    },
                    null);
            SSLSocket tls =
                    (SSLSocket) ctx.getSocketFactory().createSocket(c.socket, "sink.test", c.socket.getPort(), true);
            tls.startHandshake();
            c.socket = tls;
            c.attach();
            c.send("EHLO c\r\n");
            assertThat(c.reply()).doesNotContain("250-STARTTLS");
            c.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
            c.last();
            c.last();
            c.last();
            c.send("hi\r\n.\r\n");
            assertThat(c.last()).startsWith("250");
            assertThat(sink.awaitMessages(1, Duration.ofSeconds(5)).get(0).tls())
                    .isTrue();
        }
    }

    @Test
    void dataScriptRejectsAndSizeIsEnforced() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().maxSize(10).pipelining(false).start();
                Client c = new Client(sink.address())) {
            sink.onData(m -> m.text().contains("spam") ? "554 5.7.1 Spam" : null);
            c.last();
            c.send("EHLO c\r\n");
            assertThat(c.reply()).contains("250-SIZE 10").doesNotContain("250-PIPELINING");
            c.send("MAIL FROM:<a@x.test> SIZE=11\r\n");
            assertThat(c.last()).startsWith("552 5.3.4");
            for (String body : List.of("spam\r\n", "this body is too long\r\n", "ok\r\n")) {
                c.send("MAIL FROM:<a@x.test>\r\n");
                c.last();
                c.send("RCPT TO:<b@y.test>\r\n");
                c.last();
                c.send("DATA\r\n");
                c.last();
                c.send(body + ".\r\n");
                String reply = c.last();
                switch (body.charAt(0)) {
                    case 's' -> assertThat(reply).isEqualTo("554 5.7.1 Spam");
                    case 't' -> assertThat(reply).startsWith("552 5.3.4");
                    default -> assertThat(reply).startsWith("250");
                }
            }
            assertThat(sink.awaitMessages(1, Duration.ofSeconds(5)))
                    .singleElement()
                    .extracting(ReceivedMessage::text)
                    .isEqualTo("ok\r\n");
        }
    }

    @Test
    void countsWithoutKeepingMessages() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().keepMessages(false).start();
                Client c = new Client(sink.address())) {
            c.last();
            c.send("HELO c\r\n");
            c.last();
            for (int i = 0; i < 3; i++) {
                c.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
                c.last();
                c.last();
                c.last();
                c.send("m\r\n.\r\n");
                assertThat(c.last()).startsWith("250");
            }
            sink.awaitMessageCount(3, Duration.ofSeconds(5));
            assertThat(sink.messages()).isEmpty();
            assertThat(sink.commands()).isEmpty();
            assertThat(sink.messagesOnConnection(1)).isEqualTo(3);
            assertThat(sink.messageCount()).isEqualTo(3);
        }
    }
}
