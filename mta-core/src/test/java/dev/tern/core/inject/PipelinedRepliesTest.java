package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replies to a pipelined group leave in one write on a TCP_NODELAY socket (issue 17): a real
 * loopback client sends MAIL, RCPT and DATA in one write and finds all three replies in the first
 * read that returns anything, every time, in plain text and after STARTTLS. No timing is measured:
 * the server writing them separately would show as a first read holding only part of the group.
 */
class PipelinedRepliesTest {
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    @Test
    void acceptedInjectionSocketsHaveTcpNoDelay() throws Exception {
        ConnectionGuard guard = new ConnectionGuard(
                new ConnectionGuard.Settings(
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(1),
                        0,
                        10,
                        0.9,
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10)),
                "mx.tern.test",
                Clock.systemUTC());
        try (ServerSocket server = guard.serverSocket(null)) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    Socket accepted = server.accept()) {
                assertThat(accepted.getTcpNoDelay()).isTrue();
            }
        }
    }

    @Test
    void aPipelinedGroupIsAnsweredInOneWrite() throws Exception {
        try (TestListener l = new TestListener(dir, "  relay_from: [127.0.0.0/8]");
                Socket s = new Socket(
                        l.listener.address().getAddress(), l.listener.address().getPort())) {
            Raw c = new Raw(s);
            assertThat(c.readChunk()).startsWith("220 ");
            c.write("EHLO client.test\r\n");
            // the multi-line EHLO reply comes whole, not a line per write
            String ehlo = c.readChunk();
            assertThat(ehlo).contains("250-PIPELINING").endsWith("250 CHUNKING\r\n");
            transactions(c, "plain");
            c.write("QUIT\r\n");
            assertThat(c.readChunk()).startsWith("221");
            assertThat(l.entries()).hasSize(ROUNDS);
        }
    }

    @Test
    void aPipelinedGroupAfterStartTlsIsAnsweredInOneRecord() throws Exception {
        String tlsYaml = """
                  relay_from: [127.0.0.0/8]
                  tls:
                    starttls: true
                    self_signed: true
                    certificate: "%s"
                    private_key: "%s"
                """.formatted(dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem"));
        try (TestListener l = new TestListener(dir, tlsYaml);
                Socket s = new Socket(
                        l.listener.address().getAddress(), l.listener.address().getPort())) {
            Raw c = new Raw(s);
            assertThat(c.readChunk()).startsWith("220 ");
            c.write("EHLO client.test\r\n");
            assertThat(c.readChunk()).contains("250-STARTTLS");
            c.write("STARTTLS\r\n");
            assertThat(c.readChunk()).startsWith("220 ");
            SSLSocket tls = (SSLSocket) TestListener.trusting(dir.resolve("tls/cert.pem"))
                    .getSocketFactory()
                    .createSocket(s, "127.0.0.1", s.getPort(), true);
            tls.setUseClientMode(true);
            tls.startHandshake();
            Raw t = new Raw(tls);
            t.write("EHLO client.test\r\n");
            assertThat(t.readChunk()).endsWith("250 CHUNKING\r\n");
            transactions(t, "tls");
            assertThat(l.entries()).hasSize(ROUNDS);
        }
    }

    @Test
    void aLongPipelinedGroupGetsEveryReplyInOrder() throws Exception {
        // more commands than SubEthaSMTP's 8 KiB input buffer and more replies than the batcher holds
        int n = 2_000;
        try (TestListener l = new TestListener(dir, "  relay_from: [127.0.0.0/8]");
                Socket s = new Socket(
                        l.listener.address().getAddress(), l.listener.address().getPort())) {
            Raw c = new Raw(s);
            assertThat(c.readChunk()).startsWith("220 ");
            StringBuilder group = new StringBuilder("EHLO client.test\r\n");
            for (int i = 0; i < n; i++) group.append("NOOP\r\n");
            group.append("QUIT\r\n");
            c.write(group.toString());
            String all = c.readToEnd();
            List<String> lines = List.of(all.split("\r\n"));
            List<String> codes = new ArrayList<>();
            for (String line : lines) if (line.charAt(3) == ' ') codes.add(line.substring(0, 3));
            assertThat(codes).hasSize(n + 2);
            assertThat(codes.get(0)).isEqualTo("250");
            assertThat(codes.subList(1, n + 1)).containsOnly("250");
            assertThat(codes.get(n + 1)).isEqualTo("221");
        }
    }

    /** ROUNDS messages, each with MAIL, RCPT and DATA in one write and their replies in one read. */
    private static void transactions(Raw c, String tag) throws IOException {
        for (int i = 0; i < ROUNDS; i++) {
            c.write("MAIL FROM:<a@x.test>\r\nRCPT TO:<b" + i + "@example.test>\r\nDATA\r\n");
            String replies = c.readChunk();
            assertThat(replies.split("\r\n"))
                    .as("round %d (%s): the first read holds all three replies", i, tag)
                    .hasSize(3)
                    .satisfies(r -> {
                        assertThat(r[0]).startsWith("250 ");
                        assertThat(r[1]).startsWith("250 ");
                        assertThat(r[2]).startsWith("354 ");
                    });
            c.write("Subject: " + tag + " " + i + "\r\n\r\nhello\r\n.\r\n");
            assertThat(c.readChunk()).startsWith("250 ");
        }
    }

    /** Bytes as they come: one {@code read()} is one chunk, so replies written apart show as apart. */
    private static final class Raw {
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[65536];

        Raw(Socket s) throws IOException {
            s.setSoTimeout(15_000);
            s.setTcpNoDelay(true);
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** What the first read returns (blocking until something arrives). */
        String readChunk() throws IOException {
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        }

        String readToEnd() throws IOException {
            StringBuilder all = new StringBuilder();
            int n;
            while ((n = in.read(buf)) > 0) all.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            return all.toString();
        }
    }
}
