package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replies of the injection listener to limits and policy, on a real socket. */
class InjectionProtocolTest {
    @TempDir
    Path dir;

    private TernServer start(String extra) {
        return TernServer.start(
                ConfigLoader.parse("""
        spool: { directory: "%s", min_free_disk: 1MiB }
        admin: { listen: 127.0.0.1:0 }
        events: { log: "%s" }
        routes: { "*": 127.0.0.1:9 }
        injection: { listen: 127.0.0.1:0, max_message_size: 2KiB, max_recipients: 3%s }
        """.formatted(dir.resolve("spool"), dir.resolve("events.jsonl"), extra), "t"));
    }

    private static final class Client implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;

        Client(TernServer tern, String localAddress) throws Exception {
            s = new Socket(
                    tern.injectionAddress().getAddress(),
                    tern.injectionAddress().getPort(),
                    InetAddress.getByName(localAddress),
                    0);
            s.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out = s.getOutputStream();
            in.readLine();
        }

        String cmd(String line) throws Exception {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String r;
            do {
                r = in.readLine();
            } while (r.charAt(3) == '-');
            return r;
        }

        String data(String body) throws Exception {
            out.write((body + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return in.readLine();
        }

        @Override
        public void close() throws Exception {
            s.close();
        }
    }

    @Test
    void oversizeMessageGets552AndTheSessionGoesOn() throws Exception {
        try (TernServer tern = start("");
                Client c = new Client(tern, "127.0.0.1")) {
            assertThat(c.cmd("EHLO t")).startsWith("250 ");
            assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<b@y.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.data("Subject: big\r\n\r\n" + "x".repeat(5000))).startsWith("552 5.3.4");
            // the refused transaction is over: a new one works on the same connection
            assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<b@y.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.data("Subject: small\r\n\r\nok")).startsWith("250 2.0.0");
            assertThat(tern.spool().stats().messages()).isEqualTo(1);
        }
    }

    @Test
    void tooManyRecipientsAndBadSyntaxGetTheirCodes() throws Exception {
        try (TernServer tern = start("");
                Client c = new Client(tern, "127.0.0.1")) {
            c.cmd("EHLO t");
            assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<no-at-sign>")).startsWith("501 5.1.3");
            for (int i = 0; i < 3; i++)
                assertThat(c.cmd("RCPT TO:<r" + i + "@y.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<r4@y.test>")).startsWith("452 4.5.3");
        }
    }

    @Test
    void clientOutsideRelayBlocksCannotRelay() throws Exception {
        try (TernServer tern = start(", relay_from: [127.0.0.1/32]");
                Client c = new Client(tern, "127.0.0.2")) {
            c.cmd("EHLO t");
            String mail = c.cmd("MAIL FROM:<a@x.test>");
            String rcpt = mail.startsWith("250") ? c.cmd("RCPT TO:<b@y.test>") : mail;
            assertThat(rcpt).startsWith("550 5.7.1");
            assertThat(c.cmd("DATA")).doesNotStartWith("354");
            assertThat(tern.spool().stats().messages()).isZero();
        }
    }

    @Test
    void ehloAdvertisesTheExtensions() throws Exception {
        try (TernServer tern = start("");
                Client c = new Client(tern, "127.0.0.1")) {
            c.out.write("EHLO t\r\n".getBytes(StandardCharsets.US_ASCII));
            StringBuilder all = new StringBuilder();
            String r;
            do {
                r = c.in.readLine();
                all.append(r).append('\n');
            } while (r.charAt(3) == '-');
            assertThat(all.toString()).contains("PIPELINING", "8BITMIME", "SIZE 2048", "ENHANCEDSTATUSCODES");
        }
    }
}
