package dev.tern.queue;

import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolBodyFileTest {
    @TempDir
    Path dir;

    private static final byte[] HEAD = "Subject: big\r\n".getBytes(StandardCharsets.US_ASCII);

    private static byte[] tailBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static BodyFile filled(Spool spool, byte[] content) throws Exception {
        BodyFile f = spool.newBodyFile();
        for (int off = 0; off < content.length; off += 7000)
            f.write(content, off, Math.min(7000, content.length - off));
        return f;
    }

    private long bodyFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("blobs"))) {
            return s.filter(p -> p.toString().endsWith(".body")).count();
        }
    }

    private long stagingFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("blobs/staging"))) {
            return s.count();
        }
    }

    @Test
    void headAndTailReadBackAsOneBodyAndTheFileGoesWithTheLastEntry() throws Exception {
        byte[] tail = tailBytes(300_000, 1);
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope a = envelope("m1"), b = envelope("m2");
            try (BodyFile f = filled(spool, tail)) {
                assertThat(f.size()).isEqualTo(tail.length);
                assertThat(f.eightBit()).isTrue();
                // one tail stored with two messages (a VERP split): each gets its own link
                spool.store(a, HEAD, f, entries(a, 10, "x.example", "y.example"))
                        .join();
                spool.store(b, HEAD, f, entries(b, 10, "x.example")).join();
            }
            assertThat(stagingFiles()).isZero();
            assertThat(bodyFiles()).isEqualTo(2);
            StoredBody sb = spool.openBody("m1").orElseThrow();
            assertThat(sb.streamed()).isTrue();
            assertThat(sb.size()).isEqualTo(HEAD.length + tail.length);
            assertThat(sb.tailEightBit()).isTrue();
            assertThat(sb.head()).isEqualTo(HEAD);
            try (InputStream in = sb.openTail()) {
                assertThat(in.readAllBytes()).isEqualTo(tail);
            }
            byte[] whole = spool.body("m2").orElseThrow();
            assertThat(whole).hasSize(HEAD.length + tail.length);
            assertThat(java.util.Arrays.copyOfRange(whole, HEAD.length, whole.length))
                    .isEqualTo(tail);
            assertThat(spool.stats().bodyBytes()).isEqualTo(2L * (HEAD.length + tail.length));

            List<QueueEntry> m1 = spool.entries("m1");
            spool.complete(m1.get(0)).join();
            assertThat(bodyFiles()).as("another entry still needs the body").isEqualTo(2);
            spool.complete(m1.get(1)).join();
            assertThat(bodyFiles()).isEqualTo(1);
            assertThat(spool.openBody("m1")).isEmpty();
            assertThat(spool.body("m2").orElseThrow()).hasSize(HEAD.length + tail.length);
            spool.complete(spool.entries("m2").get(0)).join();
            assertThat(bodyFiles()).isZero();
            assertThat(spool.stats().bodyBytes()).isZero();
        }
    }

    @Test
    void smallBodiesHaveNoTail() throws Exception {
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope a = envelope("m1");
            spool.store(a, HEAD, entries(a, 10, "x.example")).join();
            StoredBody sb = spool.openBody("m1").orElseThrow();
            assertThat(sb.streamed()).isFalse();
            assertThat(sb.readAll()).isEqualTo(HEAD);
            assertThat(bodyFiles()).isZero();
        }
    }

    @Test
    void aFailedStoreLeavesNoFileAndKeepsTheExistingMessage() throws Exception {
        byte[] tail = tailBytes(10_000, 2);
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope a = envelope("m1");
            try (BodyFile f = filled(spool, tail)) {
                spool.store(a, HEAD, f, entries(a, 10, "x.example")).join();
            }
            try (BodyFile g = filled(spool, tailBytes(5_000, 3))) {
                assertThatThrownBy(() -> spool.store(a, HEAD, g, entries(a, 10, "x.example"))
                                .join())
                        .isInstanceOf(CompletionException.class)
                        .hasCauseInstanceOf(SpoolException.class)
                        .hasMessageContaining("already spooled");
            }
            // a message without tail stored under an id whose commit fails: no file appears
            try (BodyFile h = filled(spool, tailBytes(5_000, 4))) {
                Envelope small = envelope("m3");
                spool.store(small, HEAD, entries(small, 10, "x.example")).join();
                assertThatThrownBy(() -> spool.store(small, HEAD, h, entries(small, 10, "x.example"))
                                .join())
                        .hasCauseInstanceOf(SpoolException.class);
            }
            assertThat(bodyFiles()).isEqualTo(1);
            try (InputStream in = spool.openBody("m1").orElseThrow().openTail()) {
                assertThat(in.readAllBytes()).isEqualTo(tail);
            }
        }
    }

    @Test
    void orphansLeftByACrashAreRemovedOnOpenAndCommittedFilesKept() throws Exception {
        byte[] tail = tailBytes(50_000, 5);
        try (Spool spool = Spool.open(settings(dir))) {
            Envelope a = envelope("kept");
            try (BodyFile f = filled(spool, tail)) {
                spool.store(a, HEAD, f, entries(a, 10, "x.example")).join();
            }
            // a body being received when the process died: its staging file is never closed
            filled(spool, tailBytes(20_000, 6));
        }
        // a link made for a message whose commit never happened
        Files.write(
                dir.resolve("blobs")
                        .resolve(HexFormat.of().formatHex("lost".getBytes(StandardCharsets.UTF_8)) + ".body"),
                tailBytes(100, 7));
        Files.write(dir.resolve("blobs").resolve("not-hex.body"), tailBytes(100, 8));
        assertThat(stagingFiles()).isEqualTo(1);
        assertThat(bodyFiles()).isEqualTo(3);
        try (Spool spool = Spool.open(settings(dir))) {
            assertThat(spool.orphansRemoved()).isEqualTo(3);
            assertThat(stagingFiles()).isZero();
            assertThat(bodyFiles()).isEqualTo(1);
            try (InputStream in = spool.openBody("kept").orElseThrow().openTail()) {
                assertThat(in.readAllBytes()).isEqualTo(tail);
            }
        }
    }
}
