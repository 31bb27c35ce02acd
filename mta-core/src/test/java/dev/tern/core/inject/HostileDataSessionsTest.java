package dev.tern.core.inject;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import dev.tern.queue.QueueEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile SMTP sessions against the real injection listener over loopback: smuggling payloads,
 * giant headers and lines, NUL bytes, bare line endings, 100k pipelined recipients and garbage.
 * Each checks the replies and what the spool holds, then proves the listener still takes a good
 * message.
 */
class HostileDataSessionsTest {
    @TempDir
    Path dir;

    private TernServer start(String extra) {
        return TernServer.start(
                ConfigLoader.parse("""
        spool: { directory: "%s", min_free_disk: 1MiB }
        admin: { listen: 127.0.0.1:0 }
        events: { log: "%s" }
        routes: { "*": 127.0.0.1:9 }
        injection: { listen: 127.0.0.1:0, max_message_size: 20MiB%s }
        """.formatted(dir.resolve("spool"), dir.resolve("events.jsonl"), extra), "t"));
    }

    static final class Client implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;

        Client(TernServer tern) throws IOException {
            s = new Socket(
                    tern.injectionAddress().getAddress(),
                    tern.injectionAddress().getPort());
            s.setSoTimeout(20_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), ISO_8859_1));
            out = s.getOutputStream();
            assertThat(reply()).startsWith("220");
            assertThat(cmd("EHLO hostile.test")).startsWith("250 ");
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void write(String text) throws IOException {
            write(text.getBytes(ISO_8859_1));
        }

        /** The last line of the next reply (null when the server closed the connection). */
        String reply() throws IOException {
            String r;
            do {
                r = in.readLine();
            } while (r != null && r.length() > 3 && r.charAt(3) == '-');
            return r;
        }

        String cmd(String line) throws IOException {
            write(line + "\r\n");
            return reply();
        }

        /** MAIL, RCPT, DATA up to the 354. */
        void startData() throws IOException {
            assertThat(cmd("MAIL FROM:<sender@x.test>")).startsWith("250");
            assertThat(cmd("RCPT TO:<rcpt@y.test>")).startsWith("250");
            assertThat(cmd("DATA")).startsWith("354");
        }

        /** A good message on this connection: 250 expected. */
        void goodMessage(String subject) throws IOException {
            startData();
            assertThat(cmd("Subject: " + subject + "\r\n\r\nfine\r\n.")).startsWith("250 2.0.0");
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static List<String> spooledBodies(TernServer tern) {
        Set<String> ids = new LinkedHashSet<>();
        tern.spool().forEachEntry(e -> ids.add(e.messageId()));
        List<String> bodies = new ArrayList<>();
        for (String id : ids) bodies.add(new String(tern.spool().body(id).orElseThrow(), ISO_8859_1));
        return bodies;
    }

    private static final String SMUGGLED =
            "MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\nDATA\r\n" + "Subject: smuggled\r\n\r\nsmuggled\r\n";

    @ParameterizedTest(name = "end variant {0}")
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r"})
    void smuggledSecondMessageNeverBecomesAMessage(String fakeEnd) throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            // the whole attack in one write, as an attacker's client would send it
            c.write("Subject: first\r\n\r\nfirst" + fakeEnd + SMUGGLED + ".\r\n");
            assertThat(c.reply()).startsWith("550 5.6.11");
            // had the fake end been taken, replies to MAIL/RCPT/DATA would come now instead
            assertThat(c.cmd("NOOP")).startsWith("250");
            assertThat(tern.spool().stats().messages()).isZero();
            c.goodMessage("after smuggling");
            assertThat(spooledBodies(tern))
                    .singleElement()
                    .satisfies(b -> assertThat(b).contains("after smuggling").doesNotContain("smuggled"));
        }
    }

    @Test
    void normalizeModeKeepsTheSmuggledTextInsideOneMessage() throws IOException {
        try (TernServer tern = start(", data: { bare_line_endings: normalize }");
                Client c = new Client(tern)) {
            c.startData();
            c.write("Subject: first\r\n\r\nfirst\n.\n" + SMUGGLED + ".\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(c.cmd("NOOP")).startsWith("250");
            List<String> bodies = spooledBodies(tern);
            assertThat(bodies).hasSize(1);
            // one message whose text holds the would-be commands, with CRLF line endings only
            assertThat(bodies.get(0))
                    .contains("first\r\n.\r\nMAIL FROM:<evil@x.test>\r\n")
                    .doesNotContainPattern("[^\r]\n");
        }
    }

    @Test
    void commandsPipelinedBehindTheEndOfDataAreExecuted() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            // end of data and the next transaction in one packet (RFC 2920)
            c.write("Subject: one\r\n\r\none\r\n.\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(c.reply()).startsWith("250");
            assertThat(c.reply()).startsWith("250");
            assertThat(c.reply()).startsWith("354");
            c.write("Subject: two\r\n\r\ntwo\r\n.\r\nQUIT\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(c.reply()).startsWith("221");
            assertThat(tern.spool().stats().messages()).isEqualTo(2);
        }
    }

    @Test
    void tenMegabyteHeaderIsRefusedAndTheSessionGoesOn() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            String line = "X-Filler: " + "h".repeat(988) + "\r\n"; // 1000 bytes
            byte[] block = line.repeat(1000).getBytes(ISO_8859_1); // 1 MB
            for (int i = 0; i < 10; i++) c.write(block);
            c.write("\r\nbody\r\n.\r\n");
            assertThat(c.reply()).startsWith("552 5.3.4 Header section too big");
            assertThat(tern.spool().stats().messages()).isZero();
            c.goodMessage("after big header");
            assertThat(tern.spool().stats().messages()).isEqualTo(1);
        }
    }

    @Test
    void oneMegabyteLineIsRefused() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            c.write("Subject: long\r\n\r\n" + "x".repeat(1 << 20) + "\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.0 Line too long");
            assertThat(tern.spool().stats().messages()).isZero();
            c.goodMessage("after long line");
        }
    }

    @Test
    void aMessageStartingWithAFoldedLineIsRefused() throws IOException {
        // it would continue Tern's Received (and DKIM-Signature) field put on top of it
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            c.write(" X-Injected: yes\r\nSubject: folded\r\n\r\nbody\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.0");
            c.startData();
            c.write("\tSubject: tab\r\n\r\nbody\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.0");
            assertThat(tern.spool().stats().messages()).isZero();
            c.goodMessage("after folded start");
        }
    }

    @Test
    void nulBareCrAndBareLfAreRefused() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            c.write("Subject: nul\r\n\r\na\0b\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.0");
            c.startData();
            c.write("Subject: cr\r\n\r\na\rb\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.11");
            c.startData();
            c.write("Subject: lf\nX: y\r\n\r\nb\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.11");
            assertThat(tern.spool().stats().messages()).isZero();
            c.goodMessage("after nul and bare endings");
            assertThat(tern.spool().stats().messages()).isEqualTo(1);
        }
    }

    @Test
    void oversizeMessageIsReadToTheEndAndRefused() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            c.startData();
            byte[] mb = ("y".repeat(998) + "\r\n").repeat(1000).getBytes(ISO_8859_1);
            c.write("Subject: huge\r\n\r\n");
            for (int i = 0; i < 21; i++) c.write(mb);
            c.write(".\r\n");
            assertThat(c.reply()).startsWith("552 5.3.4 Message too big");
            c.goodMessage("after huge");
        }
    }

    @Test
    void hundredThousandPipelinedRecipientsGet452AfterTheLimit() throws Exception {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            int total = 100_000;
            assertThat(c.cmd("MAIL FROM:<sender@x.test>")).startsWith("250");
            // write while reading, as a pipelining client must
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < total; i++) {
                        sb.append("RCPT TO:<r").append(i).append("@y.test>\r\n");
                        if (sb.length() > 64 * 1024) {
                            c.write(sb.toString());
                            sb.setLength(0);
                        }
                    }
                    c.write(sb.toString());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            int ok = 0;
            int tooMany = 0;
            for (int i = 0; i < total; i++) {
                String r = c.reply();
                if (r.startsWith("250")) ok++;
                else if (r.startsWith("452 4.5.3")) tooMany++;
                else throw new AssertionError("unexpected reply " + r);
            }
            writer.get(60, TimeUnit.SECONDS);
            assertThat(ok).isEqualTo(1000);
            assertThat(tooMany).isEqualTo(total - 1000);
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: many\r\n\r\nmany\r\n.")).startsWith("250 2.0.0");
            List<QueueEntry> entries = new ArrayList<>();
            tern.spool().forEachEntry(entries::add);
            assertThat(entries)
                    .singleElement()
                    .satisfies(e -> assertThat(e.recipients()).hasSize(1000));
            c.goodMessage("after many recipients");
        }
    }

    @Test
    void pipelinedGarbageGetsErrorRepliesAndNeverHangs() throws IOException {
        try (TernServer tern = start("")) {
            try (Client c = new Client(tern)) {
                c.write("FOO bar\r\nXYZZY\r\nMAIL\r\nRCPT TO:<x@y.test>\r\nDATA\r\n");
                assertThat(c.reply()).startsWith("500");
                assertThat(c.reply()).startsWith("500");
                assertThat(c.reply()).startsWith("501");
                assertThat(c.reply()).startsWith("503");
                assertThat(c.reply()).startsWith("503");
                c.goodMessage("after unknown commands");
            }
            // an over-long command line, binary junk, a bare LF in a command: an error reply or a
            // closed connection, never a hang; the listener keeps working
            Random random = new Random(42);
            byte[] junk = new byte[4096];
            random.nextBytes(junk);
            for (byte[] attack : new byte[][] {
                ("MAIL FROM:<" + "a".repeat(5000) + "@x.test>\r\n").getBytes(ISO_8859_1),
                junk,
                "NOOP\nNOOP\r\n".getBytes(ISO_8859_1),
                "\0\0\0\0\r\n".getBytes(ISO_8859_1)
            }) {
                try (Client c = new Client(tern)) {
                    c.write(attack);
                    c.write("\r\nQUIT\r\n");
                    String r;
                    try {
                        r = c.reply();
                    } catch (SocketException e) {
                        r = null; // reset by the server: acceptable
                    }
                    assertThat(r == null || r.matches("^[45]\\d\\d .*") || r.startsWith("221"))
                            .as("reply %s", r)
                            .isTrue();
                }
            }
            try (Client c = new Client(tern)) {
                c.goodMessage("after garbage");
            }
            assertThat(tern.spool().stats().messages()).isEqualTo(2);
        }
    }

    @Test
    void bdatIsCheckedLikeData() throws IOException {
        try (TernServer tern = start("");
                Client c = new Client(tern)) {
            assertThat(c.cmd("MAIL FROM:<sender@x.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<rcpt@y.test>")).startsWith("250");
            String bad = "Subject: b\r\n\r\nbare\nlf\r\n";
            c.write("BDAT " + bad.length() + " LAST\r\n" + bad);
            assertThat(c.reply()).startsWith("550 5.6.11");
            assertThat(c.cmd("MAIL FROM:<sender@x.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<rcpt@y.test>")).startsWith("250");
            String part1 = "Subject: chunked\r\n\r\n";
            String part2 = ".starts with a dot\r\n";
            c.write("BDAT " + part1.length() + "\r\n" + part1);
            assertThat(c.reply()).startsWith("250");
            c.write("BDAT " + part2.length() + " LAST\r\n" + part2);
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(spooledBodies(tern))
                    .singleElement()
                    .satisfies(b -> assertThat(b).endsWith(part1 + part2));
        }
    }
}
