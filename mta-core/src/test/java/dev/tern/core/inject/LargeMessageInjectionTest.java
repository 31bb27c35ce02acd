package dev.tern.core.inject;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.VerificationResult;
import dev.tern.queue.StoredBody;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Texts past {@code injection.data.memory_threshold} over real SMTP: streamed to a spool file,
 * DKIM-signed from the stream, delivered intact; {@code injection.max_memory} used up gives
 * {@code 452 4.3.1} at DATA (and for BDAT after reading the chunks) with the session in step.
 */
class LargeMessageInjectionTest {
    @TempDir
    Path dir;

    private TernServer start(String injectionExtra, String rest) {
        return TernServer.start(ConfigLoader.parse(
                """
        spool: { directory: "%s", min_free_disk: 1MiB }
        admin: { listen: 127.0.0.1:0 }
        events: { log: "%s" }
        injection: { listen: 127.0.0.1:0%s }
        """.formatted(dir.resolve("spool"), dir.resolve("events.jsonl"), injectionExtra) + rest, "t"));
    }

    /** Random lines (some with a leading dot, some 8-bit) of about {@code size} bytes. */
    private static byte[] body(int size, long seed) {
        Random r = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < size) {
            int n = r.nextInt(120);
            for (int i = 0; i < n; i++) out.write(i == 0 && r.nextInt(15) == 0 ? '.' : 33 + r.nextInt(200));
            out.writeBytes(r.nextInt(50) == 0 ? "  \r\n".getBytes(ISO_8859_1) : "\r\n".getBytes(ISO_8859_1));
        }
        return out.toByteArray();
    }

    private static byte[] stuffed(byte[] text) {
        String s = new String(text, ISO_8859_1);
        return ((s.startsWith(".") ? "." : "") + s.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(ISO_8859_1);
    }

    @Test
    void aLargeTextIsStreamedToTheSpoolSignedFromTheStreamAndDeliveredIntact() throws Exception {
        Path rsa = DkimSigningTest.writePkcs8(dir.resolve("rsa.pem"), "RSA", 2048);
        Path ed = DkimSigningTest.writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            String deliverAfter = Instant.now().plusSeconds(3).toString();
            String headers = "From: Sender <news@mail.example.com>\r\nTo: <r@dest.test>\r\nSubject: large\r\n"
                    + "X-Tern-Campaign: c1\r\nX-Tern-Deliver-After: " + deliverAfter + "\r\n\r\n";
            byte[] body = body(3 << 20, 1);
            byte[] text = concat(headers.getBytes(ISO_8859_1), body);
            byte[] clean = concat(
                    "From: Sender <news@mail.example.com>\r\nTo: <r@dest.test>\r\nSubject: large\r\n\r\n"
                            .getBytes(ISO_8859_1),
                    body);
            try (TernServer tern = start(", data: { memory_threshold: 64KiB }", """
                    routes: { "*": 127.0.0.1:%d }
                    dkim:
                      domains:
                        example.com:
                          - { selector: rsa1, key_file: "%s", algorithm: rsa-sha256 }
                          - { selector: ed1, key_file: "%s", algorithm: ed25519-sha256 }
                    """.formatted(sink.port(), rsa, ed));
                    HostileDataSessionsTest.Client c = new HostileDataSessionsTest.Client(tern)) {
                c.startData();
                c.write(stuffed(text));
                String reply = c.reply();
                assertThat(reply).startsWith("250 2.0.0");
                String id = reply.substring(reply.indexOf("queued as ") + 10).trim();

                // in the spool (before its deliver-after time): head in RocksDB, the rest in a file
                StoredBody stored = tern.spool().openBody(id).orElseThrow();
                assertThat(stored.streamed()).isTrue();
                assertThat(stored.tailSize()).isEqualTo(body.length + 2); // the blank line starts the tail
                assertThat(stored.tailEightBit()).isTrue();
                assertThat(tern.spool().envelope(id).orElseThrow().bodySize()).isEqualTo(stored.size());
                byte[] spooled;
                try (InputStream in = stored.open()) {
                    spooled = in.readAllBytes();
                }
                assertThat(afterSignatures(spooled)).isEqualTo(clean);

                List<ReceivedMessage> got = sink.awaitMessages(1, Duration.ofSeconds(30));
                byte[] delivered = got.get(0).data();
                assertThat(delivered).isEqualTo(spooled);
                DkimKey rsaKey = DkimKey.load(rsa), edKey = DkimKey.load(ed);
                List<VerificationResult> results = new DkimVerifier((selector, domain) -> domain.equals("example.com")
                                ? (selector.equals("rsa1") ? rsaKey.dnsRecord() : edKey.dnsRecord())
                                : null)
                        .verify(delivered);
                assertThat(results).hasSize(2).allMatch(VerificationResult::passed);

                // the file goes with the message
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> bodyFiles() == 0);
                assertThat(c.cmd("NOOP")).startsWith("250");
            }
        }
    }

    @Test
    void aUsedUpMemoryBudgetGives452AtDataAndTheSessionsStayInStep() throws Exception {
        try (TernServer tern = start(
                        ", max_memory: 128KiB, data: { memory_threshold: 64KiB }", "routes: { \"*\": 127.0.0.1:9 }\n");
                HostileDataSessionsTest.Client holder = new HostileDataSessionsTest.Client(tern);
                HostileDataSessionsTest.Client other = new HostileDataSessionsTest.Client(tern)) {
            holder.startData();
            // a header section of 40 KiB still being received: its buffer (64 KiB, twice) takes the budget
            holder.write(("X-Filler: " + "h".repeat(990) + "\r\n").repeat(40));
            int[] early = {0};
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                assertThat(other.cmd("MAIL FROM:<s@x.test>")).startsWith("250");
                assertThat(other.cmd("RCPT TO:<r@y.test>")).startsWith("250");
                String r = other.cmd("DATA");
                if (r.startsWith("354")) {
                    assertThat(other.cmd("Subject: early\r\n\r\nx\r\n.")).startsWith("250");
                    early[0]++;
                    return false;
                }
                assertThat(r).startsWith("452 4.3.1");
                return true;
            });
            // BDAT: the chunk is read and discarded, then 452; the session goes on
            assertThat(other.cmd("MAIL FROM:<s@x.test>")).startsWith("250");
            assertThat(other.cmd("RCPT TO:<r@y.test>")).startsWith("250");
            other.write("BDAT 30 LAST\r\nSubject: b\r\n\r\nbdat body.....\r\n");
            assertThat(other.reply()).startsWith("452 4.3.1");
            assertThat(other.cmd("NOOP")).startsWith("250");

            holder.write("\r\nbody\r\n.\r\n");
            assertThat(holder.reply()).startsWith("250 2.0.0");
            // the budget is free again
            other.goodMessage("after the budget was freed");
            assertThat(tern.spool().stats().messages()).isEqualTo(2 + early[0]);
        }
    }

    @Test
    void aVerpSplitOfAMidSizeTextSharesOneSpoolFileInsteadOfACopyPerRecipient() throws Exception {
        String bounces = """
          bounces:
            domain: bounces.example.com
            verp: true
            keys: { a: "0123456789abcdef-secret-a" }
            current_key: a
          routes: { "*": 127.0.0.1:9 }
          """;
        byte[] body = body(40_000, 3);
        byte[] text = concat("Subject: split\r\nX-Tern-Tenant: t1\r\n\r\n".getBytes(ISO_8859_1), body);
        byte[] clean = concat("Subject: split\r\n\r\n".getBytes(ISO_8859_1), body);
        try (TernServer tern = start(", data: { memory_threshold: 64KiB }", bounces);
                HostileDataSessionsTest.Client c = new HostileDataSessionsTest.Client(tern)) {
            assertThat(c.cmd("MAIL FROM:<s@inject.test>")).startsWith("250");
            for (int i = 0; i < 5; i++)
                assertThat(c.cmd("RCPT TO:<r" + i + "@y.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            c.write(stuffed(text));
            assertThat(c.reply()).startsWith("250 2.0.0").contains("and 4 more");
            java.util.Set<String> ids = new java.util.LinkedHashSet<>();
            tern.spool().forEachEntry(e -> ids.add(e.messageId()));
            assertThat(ids).hasSize(5);
            for (String id : ids) {
                StoredBody stored = tern.spool().openBody(id).orElseThrow();
                assertThat(stored.streamed())
                        .as("the text after the header fields is in a file")
                        .isTrue();
                assertThat(stored.tailSize()).isEqualTo(body.length + 2);
                byte[] all;
                try (InputStream in = stored.open()) {
                    all = in.readAllBytes();
                }
                String s = new String(all, 0, 2000, ISO_8859_1);
                assertThat(s).contains("id " + id + ";");
                assertThat(Arrays.copyOfRange(all, s.indexOf("Subject: split"), all.length))
                        .isEqualTo(clean);
            }
            assertThat(bodyFiles()).isEqualTo(5);
            try (Stream<Path> staged = Files.list(dir.resolve("spool/blobs/staging"))) {
                assertThat(staged).isEmpty();
            }
        }
    }

    @Test
    void aLargeReportToTheBounceDomainIsReadWithinTheThresholdAndNeverSpooled() throws Exception {
        String bounces = """
          bounces:
            domain: bounces.example.com
          routes: { "*": 127.0.0.1:9 }
          """;
        byte[] text = concat(
                "From: <mailer-daemon@far.test>\r\nSubject: Undelivered Mail\r\n\r\n".getBytes(ISO_8859_1),
                body(2 << 20, 4));
        try (TernServer tern = start(", data: { memory_threshold: 64KiB }", bounces);
                HostileDataSessionsTest.Client c = new HostileDataSessionsTest.Client(tern)) {
            assertThat(c.cmd("MAIL FROM:<>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<b-anything@bounces.example.com>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            c.write(stuffed(text));
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(tern.spool().stats().messages()).isZero();
            assertThat(bodyFiles()).isZero();
            assertThat(c.cmd("NOOP")).startsWith("250");
        }
    }

    private long bodyFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("spool/blobs"))) {
            return s.filter(p -> p.toString().endsWith(".body")).count();
        }
    }

    /** The message without Tern's Received field and DKIM-Signature fields on top. */
    private static byte[] afterSignatures(byte[] m) {
        String s = new String(m, 0, Math.min(m.length, 8192), ISO_8859_1);
        int at = s.indexOf("\r\nFrom: ");
        return Arrays.copyOfRange(m, at + 2, m.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
