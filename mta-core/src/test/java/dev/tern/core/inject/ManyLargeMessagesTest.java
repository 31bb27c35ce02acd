package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.testing.ChildTern;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.queue.StoredBody;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 F3: 20 clients send a 45 MiB message each, at the same time, to a Tern in a child JVM
 * with a 512 MiB heap ({@link ChildTern}). Every message is accepted (250) or cleanly deferred
 * (452 4.3.1); the log has no {@code OutOfMemoryError}. Tern is then killed with kill -9: every
 * accepted message is in the spool byte for byte (SHA-256 of the text Tern was sent against the
 * spooled body without Tern's Received field), no staging file is left, and after a restart each
 * is delivered intact to a sink.
 */
@Tag("slow")
class ManyLargeMessagesTest {
    private static final int CLIENTS = 20;
    private static final long SIZE = 45L << 20;

    @TempDir
    Path dir;

    /** What a client learned: the queue id and the hash of the text, or the refusal. */
    record Outcome(int client, String reply, String queueId, String sha256) {}

    @Test
    void twentyConcurrent45MiBMessagesInA512MiBHeap() throws Exception {
        int injectPort = freePort(), sinkPort = freePort();
        Path spoolDir = dir.resolve("spool");
        Path cfg = Files.writeString(
                dir.resolve("tern.yaml"), """
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:%d, max_message_size: 50MiB }
          admin: { listen: 127.0.0.1:0 }
          events: { log: "%s" }
          routes: { "*": 127.0.0.1:%d }
          delivery: { retry: { initial: 200ms, max: 1s } }
          """.formatted(spoolDir, injectPort, dir.resolve("events.jsonl"), sinkPort));

        // phase 1: inject while nothing listens at the route, so everything stays spooled
        Process tern = ChildTern.start(cfg, "tern-child.log");
        List<Outcome> outcomes = new ArrayList<>();
        try {
            ChildTern.awaitPort(injectPort, tern);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                futures.add(clients.submit(() -> send(injectPort, client)));
            }
            for (Future<Outcome> f : futures) outcomes.add(f.get(10, TimeUnit.MINUTES));
            clients.shutdown();
        } finally {
            tern.destroyForcibly(); // kill -9: what was acknowledged must be on disk
            tern.waitFor(30, TimeUnit.SECONDS);
        }
        String log = Files.readString(dir.resolve("tern-child.log"));
        assertThat(log).doesNotContain("OutOfMemoryError");
        List<Outcome> accepted =
                outcomes.stream().filter(o -> o.queueId() != null).toList();
        System.out.printf(
                "20 x 45 MiB: %d accepted, %d deferred: %s%n",
                accepted.size(),
                outcomes.size() - accepted.size(),
                outcomes.stream()
                        .map(o -> o.reply().substring(0, Math.min(9, o.reply().length())))
                        .distinct()
                        .toList());
        for (Outcome o : outcomes) {
            assertThat(o.reply()).as("client %d", o.client()).matches("(250 2\\.0\\.0|452 4\\.3\\.1) .*");
        }
        assertThat(accepted).as("a 512 MiB heap takes most of them").hasSizeGreaterThanOrEqualTo(CLIENTS / 2);

        // the spool, read by this JVM after the kill: each accepted body intact, nothing staged
        try (Spool spool = Spool.open(SpoolSettings.defaults(spoolDir).withMinFreeDiskBytes(1 << 20))) {
            assertThat(spool.stats().messages()).isEqualTo(accepted.size());
            for (Outcome o : accepted) {
                StoredBody body = spool.openBody(o.queueId()).orElseThrow();
                assertThat(body.streamed()).isTrue();
                try (InputStream in = body.open()) {
                    assertThat(hashFromMessageId(in))
                            .as("spooled %s", o.queueId())
                            .isEqualTo(o.sha256());
                }
            }
        }
        try (Stream<Path> staged = Files.list(spoolDir.resolve("blobs/staging"))) {
            assertThat(staged).isEmpty();
        }

        // phase 2: a sink at the route; after a restart everything accepted is delivered intact
        Map<String, String> delivered = new ConcurrentHashMap<>();
        try (SmtpSink sink = SmtpSink.builder()
                .address("127.0.0.1")
                .port(sinkPort)
                .keepMessages(false)
                .start()) {
            sink.onData(m -> {
                try {
                    byte[] d = m.data();
                    String text = new String(d, 0, Math.min(d.length, 4096), StandardCharsets.ISO_8859_1);
                    int at = text.indexOf("Message-ID: <");
                    String id = text.substring(at + 13, text.indexOf('>', at));
                    delivered.put(id, hashFromMessageId(new java.io.ByteArrayInputStream(d)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
            tern = ChildTern.start(cfg, "tern-child-2.log");
            try {
                ChildTern.awaitPort(injectPort, tern);
                Awaitility.await().atMost(Duration.ofMinutes(5)).until(() -> delivered.size() >= accepted.size());
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> !hasBodyFiles(spoolDir.resolve("blobs")));
            } finally {
                tern.destroy();
                tern.waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (Outcome o : accepted) {
            assertThat(delivered.get("big-" + o.client() + "@inject.test"))
                    .as("delivered message of client %d", o.client())
                    .isEqualTo(o.sha256());
        }
        assertThat(Files.readString(dir.resolve("tern-child-2.log"))).doesNotContain("OutOfMemoryError");
    }

    private static boolean hasBodyFiles(Path blobs) throws IOException {
        try (Stream<Path> s = Files.list(blobs)) {
            return s.anyMatch(p -> p.toString().endsWith(".body"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** SHA-256 of a message from its "Message-ID:" line on (Tern puts its Received field above). */
    static String hashFromMessageId(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        byte[] marker = "Message-ID: <".getBytes(StandardCharsets.US_ASCII);
        in.mark(1 << 15);
        byte[] start = in.readNBytes(1 << 14);
        int at = indexOf(start, marker);
        if (at < 0) throw new AssertionError("no Message-ID in the first 16 KiB");
        in.reset();
        in.skipNBytes(at);
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        return HexFormat.of().formatHex(md.digest());
    }

    private static int indexOf(byte[] b, byte[] m) {
        outer:
        for (int i = 0; i + m.length <= b.length; i++) {
            for (int j = 0; j < m.length; j++) if (b[i + j] != m[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** One client: a 45 MiB message (with lines to dot-stuff), streamed as it is generated. */
    private static Outcome send(int port, int client) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(300_000);
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
            in.readLine();
            out.write(("HELO big\r\nMAIL FROM:<a@inject.test>\r\nRCPT TO:<r@big.test>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.readLine();
            in.readLine();
            in.readLine();
            String dataReply = in.readLine();
            if (!dataReply.startsWith("354")) return new Outcome(client, dataReply, null, null);
            MessageDigest md = sha256();
            byte[] head = ("Message-ID: <big-" + client + "@inject.test>\r\nFrom: <a@inject.test>\r\n" + "Subject: big "
                            + client + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            md.update(head);
            out.write(head);
            Random random = new Random(client);
            byte[] line = new byte[78];
            long written = head.length;
            int n = 0;
            while (written < SIZE) {
                for (int i = 0; i < 76; i++) line[i] = (byte) ('A' + random.nextInt(58));
                if (n++ % 101 == 0) line[0] = '.'; // a line-start dot: stuffed on the wire, not in the text
                line[76] = '\r';
                line[77] = '\n';
                md.update(line);
                if (line[0] == '.') out.write('.');
                out.write(line);
                written += line.length;
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = in.readLine();
            String queueId = null;
            if (reply != null && reply.startsWith("250")) {
                int at = reply.indexOf("queued as ");
                queueId = reply.substring(at + 10).split("[ ;]")[0];
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new Outcome(client, reply, queueId, HexFormat.of().formatHex(md.digest()));
        }
    }
}
