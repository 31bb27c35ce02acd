package dev.tern.core.inject;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.inject.DataReader.Limits;
import dev.tern.core.inject.DataReader.Result;
import dev.tern.core.inject.DataReader.Violation;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The DATA state machine: end of data, un-dot-stuffing, limits, chunk boundaries, pipelining. */
class DataReaderTest {
    private static final Limits STRICT = new Limits(1 << 20, 1000, 64 * 1024, false);
    private static final Limits NORMALIZE = new Limits(1 << 20, 1000, 64 * 1024, true);
    private static final String NEXT = "MAIL FROM:<next@x.test>\r\n";

    /** Delivers at most {@code step} bytes per read, like a slow socket. */
    static final class Trickle extends InputStream {
        private final byte[] data;
        private final int step;
        private int pos;

        Trickle(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) return -1;
            int n = Math.min(Math.min(len, step), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** Reads one DATA text the way the listener does (a buffered, markable stream), then what is left. */
    record Read(Result result, String rest) {}

    static Read read(byte[] wire, int step, Limits limits) throws IOException {
        InputStream in = new BufferedInputStream(new Trickle(wire, step), 8192);
        Result r = DataReader.readData(in, limits, 0);
        return new Read(r, new String(in.readAllBytes(), ISO_8859_1));
    }

    static Read read(String wire, Limits limits) throws IOException {
        return read(wire.getBytes(ISO_8859_1), 8192, limits);
    }

    static String text(Result r) {
        assertThat(r.violation()).isNull();
        return new String(r.buffer(), 0, r.length(), ISO_8859_1);
    }

    @Test
    void onlyCrlfDotCrlfEndsTheData() throws IOException {
        Read r = read("Subject: a\r\n\r\nbody\r\n.\r\n" + NEXT, STRICT);
        assertThat(text(r.result())).isEqualTo("Subject: a\r\n\r\nbody\r\n");
        assertThat(r.rest()).isEqualTo(NEXT);
    }

    @Test
    void emptyMessageEndsAtOnce() throws IOException {
        Read r = read(".\r\n" + NEXT, STRICT);
        assertThat(text(r.result())).isEmpty();
        assertThat(r.rest()).isEqualTo(NEXT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "LF.LF     | a\\n.\\nMAIL FROM:<evil@x.test>\\r\\n",
                "CR.CR     | a\\r.\\rMAIL FROM:<evil@x.test>\\r\\n",
                "LF.CRLF   | a\\n.\\r\\nMAIL FROM:<evil@x.test>\\r\\n",
                "CRLF.LF   | a\\r\\n.\\nMAIL FROM:<evil@x.test>\\r\\n",
                "CRLF.CR   | a\\r\\n.\\rMAIL FROM:<evil@x.test>\\r\\n",
                "CR.CRLF   | a\\r.\\r\\nMAIL FROM:<evil@x.test>\\r\\n",
                "CRLF.CR.LF | a\\r\\n.\\r.\\nMAIL FROM:<evil@x.test>\\r\\n",
            })
    void smugglingEndVariantsAreTextAndRefused(String name, String payload) throws IOException {
        String wire = unescape(payload) + "tail\r\n.\r\n" + NEXT;
        Read r = read(wire, STRICT);
        assertThat(r.result().violation()).isIn(Violation.BARE_LF, Violation.BARE_CR);
        assertThat(r.result().code()).isEqualTo(550);
        assertThat(r.result().text()).startsWith("5.6.11");
        // the whole text, smuggled commands included, was consumed: the next command is intact
        assertThat(r.rest()).isEqualTo(NEXT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "LF.LF    | a\\n.\\nb\\r\\n        | a\\r\\n.\\r\\nb\\r\\n",
                "CR.CR    | a\\r.\\rb\\r\\n        | a\\r\\n.\\r\\nb\\r\\n",
                "LF.CRLF  | a\\n.\\r\\nb\\r\\n      | a\\r\\n.\\r\\nb\\r\\n",
                "CRLF.LF  | a\\r\\n.\\nb\\r\\n      | a\\r\\n.\\r\\nb\\r\\n",
                "LF..x    | a\\n..x\\r\\n          | a\\r\\n.x\\r\\n",
                "CRLF.CRx | a\\r\\n.\\rx\\r\\n      | a\\r\\n.\\r\\nx\\r\\n",
            })
    void normalizeTurnsBareEndingsIntoCrlfButNeverEndsThere(String name, String in, String expected)
            throws IOException {
        Read r = read(unescape(in) + ".\r\n" + NEXT, NORMALIZE);
        assertThat(text(r.result())).isEqualTo(unescape(expected));
        assertThat(r.rest()).isEqualTo(NEXT);
    }

    @Test
    void leadingDotsAreUnstuffed() throws IOException {
        Read r = read("..\r\n..leading\r\n...\r\nmid.dle\r\n.x\r\n.\r\n", STRICT);
        assertThat(text(r.result())).isEqualTo(".\r\n.leading\r\n..\r\nmid.dle\r\nx\r\n");
    }

    @Test
    void nulBareCrLongLineBigHeaderAndSizeAreRefusedAfterReadingToTheEnd() throws IOException {
        Limits small = new Limits(4096, 100, 1024, false);
        record Case(String text, Violation v, int code, String enhanced) {}
        String header = "X-Filler: " + "h".repeat(80) + "\r\n";
        for (Case c : new Case[] {
            new Case("a\0b\r\n", Violation.NUL, 550, "5.6.0"),
            new Case("a\rb\r\n", Violation.BARE_CR, 550, "5.6.11"),
            new Case("S: x\r\n\r\n" + "y".repeat(101) + "\r\n", Violation.LINE_TOO_LONG, 550, "5.6.0"),
            new Case(header.repeat(20) + "\r\nbody\r\n", Violation.HEADER_TOO_BIG, 552, "5.3.4"),
            new Case("S: x\r\n\r\n" + "z".repeat(90).concat("\r\n").repeat(50), Violation.TOO_BIG, 552, "5.3.4"),
        }) {
            Read r = read(c.text() + ".\r\n" + NEXT, small);
            assertThat(r.result().violation()).as(c.text()).isEqualTo(c.v());
            assertThat(r.result().code()).isEqualTo(c.code());
            assertThat(r.result().text()).startsWith(c.enhanced());
            assertThat(r.result().length()).isZero();
            assertThat(r.rest()).isEqualTo(NEXT);
        }
    }

    @Test
    void headerLimitCountsOnlyTheHeaderSection() throws IOException {
        Limits small = new Limits(1 << 20, 1000, 1024, false);
        String body = ("b".repeat(90) + "\r\n").repeat(100);
        assertThat(read("Subject: x\r\n\r\n" + body + ".\r\n", small).result().violation())
                .isNull();
        // a message without the empty line: the first line that is no field ends the header section
        assertThat(read("Subject: x\r\nno field here\r\n" + body + ".\r\n", small)
                        .result()
                        .violation())
                .isNull();
    }

    @Test
    void tooBigReportsTheWholeSize() throws IOException {
        Limits small = new Limits(1000, 1000, 1000, false);
        Read r = read(("x".repeat(98) + "\r\n").repeat(30) + ".\r\n", small);
        assertThat(r.result().violation()).isEqualTo(Violation.TOO_BIG);
        assertThat(r.result().size()).isEqualTo(3000);
        assertThat(r.result().text()).isEqualTo("5.3.4 Message too big: 3000 bytes, at most 1000 accepted");
    }

    @Test
    void endOfStreamBeforeTheMarkerIsAnError() {
        assertThatThrownBy(() -> read("Subject: a\r\n\r\nbody\r\n", STRICT)).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("body\n.\n", STRICT)).isInstanceOf(EOFException.class);
    }

    @Test
    void streamsWithoutMarkAreReadByteByByteAndNotOverRead() throws IOException {
        InputStream in = new ByteArrayInputStream(("a\r\n.\r\n" + NEXT).getBytes(ISO_8859_1)) {
            @Override
            public boolean markSupported() {
                return false;
            }
        };
        Result r = DataReader.readData(in, STRICT, 0);
        assertThat(text(r)).isEqualTo("a\r\n");
        assertThat(new String(in.readAllBytes(), ISO_8859_1)).isEqualTo(NEXT);
    }

    @Test
    void bdatTextIsNotDotStuffedButChecked() throws IOException {
        Result ok = DataReader.readAll(new ByteArrayInputStream(".a\r\n.\r\nb\r\n".getBytes(ISO_8859_1)), STRICT);
        assertThat(text(ok)).isEqualTo(".a\r\n.\r\nb\r\n");
        Result bareCrAtEnd = DataReader.readAll(new ByteArrayInputStream("a\r\nb\r".getBytes(ISO_8859_1)), STRICT);
        assertThat(bareCrAtEnd.violation()).isEqualTo(Violation.BARE_CR);
    }

    @Test
    void everyChunkingGivesTheSameResult() throws IOException {
        String msg = "Subject: s\r\n\r\n..a\r\n.b\r\nline\r\n...\r\n" + "x".repeat(300) + "\r\n";
        byte[] wire = (msg + ".\r\n" + NEXT).getBytes(ISO_8859_1);
        String expected = "Subject: s\r\n\r\n.a\r\nb\r\nline\r\n..\r\n" + "x".repeat(300) + "\r\n";
        for (int step = 1; step <= wire.length; step++) {
            Read r = read(wire, step, STRICT);
            assertThat(text(r.result())).as("step %d", step).isEqualTo(expected);
            assertThat(r.rest()).as("step %d", step).isEqualTo(NEXT);
        }
    }

    @Test
    void markerAcrossTheBufferedStreamsBufferEdgeLeavesTheNextCommand() throws IOException {
        // the end marker straddles the 8 KiB buffer of the session stream at every offset near its edge
        for (int pad = 8180; pad < 8200; pad++) {
            byte[] wire = ("x".repeat(pad - 2) + "\r\n.\r\n" + NEXT).getBytes(ISO_8859_1);
            for (int step : new int[] {1, 7, 8192, 20000}) {
                Read r = read(wire, step, new Limits(1 << 20, 1 << 20, 1 << 20, false));
                assertThat(r.result().length()).isEqualTo(pad);
                assertThat(r.rest()).as("pad %d step %d", pad, step).isEqualTo(NEXT);
            }
        }
    }

    /** Reads one DATA text from the session's own input (as the listener does), {@code step} bytes per socket read. */
    static Result readSession(byte[] wire, int step, Limits limits) throws IOException {
        SessionInput in = new SessionInput(new Trickle(wire, step));
        Result r = DataReader.readData(in, limits, 0, null);
        assertThat(in.buffered()).as("nothing left after the marker").isZero();
        return r;
    }

    static void assertSameResult(Result actual, Result expected) {
        assertThat(actual.violation()).isEqualTo(expected.violation());
        assertThat(actual.size()).isEqualTo(expected.size());
        assertThat(Arrays.copyOf(actual.buffer(), actual.length()))
                .isEqualTo(Arrays.copyOf(expected.buffer(), expected.length()));
    }

    @Test
    void wholeTextInTheFirstReadGrowsWhenNormalizingMakesItLonger() throws IOException {
        // the first read holds the whole text, so the buffer starts at its size; bare LFs turned into
        // CRLF make the text longer than that
        for (String body : new String[] {"a\n".repeat(3000), "x".repeat(8180), "..a\r\n".repeat(1500), ""}) {
            byte[] wire = ("Subject: s\r\n\r\n" + body + "\r\n.\r\n").getBytes(ISO_8859_1);
            for (Limits limits : new Limits[] {STRICT, NORMALIZE}) {
                Result expected = read(wire, 8192, limits).result();
                for (int step : new int[] {wire.length, 8192, 100})
                    assertSameResult(readSession(wire, step, limits), expected);
            }
        }
    }

    // ---- properties -------------------------------------------------------------------------

    /** Any CRLF text, dot-stuffed by the client, reads back byte for byte, whatever the chunking. */
    @Property(tries = 300)
    void stuffedTextRoundTrips(@ForAll("crlfText") String msg, @ForAll @IntRange(min = 1, max = 64) int step)
            throws IOException {
        byte[] wire = concat(stuff(msg.getBytes(ISO_8859_1)), (".\r\n" + NEXT).getBytes(ISO_8859_1));
        Read r = read(wire, step, new Limits(1 << 20, 1 << 20, 1 << 20, false));
        assertThat(text(r.result())).isEqualTo(msg);
        assertThat(r.rest()).isEqualTo(NEXT);
    }

    /** Through the session's own input, any text ending the stream with the marker reads as through a buffered stream. */
    @Property(tries = 300)
    void sessionInputGivesTheSameResult(@ForAll("hostileBytes") byte[] junk, @ForAll boolean normalize)
            throws IOException {
        byte[] wire = concat(junk, "\r\n.\r\n".getBytes(ISO_8859_1));
        Limits limits = new Limits(1 << 20, 1 << 20, 1 << 20, normalize);
        Read expected = read(wire, 8192, limits);
        if (!expected.rest().isEmpty()) return; // an earlier marker: the rest would be commands
        for (int step : new int[] {wire.length, 3})
            assertSameResult(readSession(wire, step, limits), expected.result());
    }

    /**
     * For any bytes at all, the data ends exactly after the first {@code <CRLF>.<CRLF>} (the CRLF
     * ending the DATA command counts as the first CRLF), never earlier and never later.
     */
    @Property(tries = 500)
    void endIsTheFirstRealMarker(@ForAll("hostileBytes") byte[] junk, @ForAll @IntRange(min = 1, max = 32) int step)
            throws IOException {
        byte[] wire = concat(junk, ("\r\n.\r\n" + NEXT).getBytes(ISO_8859_1));
        byte[] withCommandEnd = concat("\r\n".getBytes(ISO_8859_1), wire);
        int marker = indexOf(withCommandEnd, "\r\n.\r\n".getBytes(ISO_8859_1));
        int expectedConsumed = marker + 5 - 2;
        Read r = read(wire, step, new Limits(1 << 20, 1 << 20, 1 << 20, false));
        assertThat(r.rest()).isEqualTo(new String(wire, expectedConsumed, wire.length - expectedConsumed, ISO_8859_1));
    }

    /**
     * The eight-bytes-at-a-time scan ({@link DataReader#lineBreak}) changes nothing: any text read
     * in one piece gives what a byte at a time gives (where it never runs), violations and limits
     * included.
     */
    @Property(tries = 400)
    void wordScanEqualsByteScan(@ForAll("textBytes") byte[] text, @ForAll @IntRange(min = 8, max = 70) int maxLine)
            throws IOException {
        byte[] wire = concat(text, ("\r\n.\r\n" + NEXT).getBytes(ISO_8859_1));
        Limits limits = new Limits(1 << 20, maxLine, 1 << 20, false);
        Read whole = read(wire, wire.length, limits);
        Read bytes = read(wire, 1, limits);
        assertThat(whole.rest()).isEqualTo(bytes.rest());
        assertThat(whole.result().violation()).isEqualTo(bytes.result().violation());
        assertThat(whole.result().size()).isEqualTo(bytes.result().size());
        assertThat(Arrays.copyOf(whole.result().buffer(), whole.result().length()))
                .isEqualTo(Arrays.copyOf(bytes.result().buffer(), bytes.result().length()));
    }

    @Test
    void lineBreakFindsTheFirstCrLfOrNulAtEveryOffset() {
        for (byte hit : new byte[] {'\r', '\n', 0}) {
            for (int len = 0; len <= 40; len++) {
                for (int at = 0; at <= len; at++) {
                    byte[] s = new byte[len];
                    Arrays.fill(s, (byte) 0x01); // next to a zero byte: the borrow case of the word scan
                    for (int k = 0; k < len; k++) if (k % 3 == 1) s[k] = (byte) (hit + 1);
                    if (at < len) s[at] = hit;
                    if (at + 1 < len) s[at + 1] = hit == 0 ? (byte) 0x0D : 0;
                    int j = DataReader.lineBreak(s, 0, len);
                    while (j < len && s[j] != '\r' && s[j] != '\n' && s[j] != 0) j++;
                    assertThat(j).as("hit %d, len %d, at %d", hit, len, at).isEqualTo(Math.min(at, len));
                }
            }
        }
    }

    @Provide
    Arbitrary<byte[]> textBytes() {
        Arbitrary<Byte> any = Arbitraries.bytes();
        Arbitrary<Byte> special = Arbitraries.of((byte) '\r', (byte) '\n', (byte) '.', (byte) 0, (byte) 1, (byte) 0x0E);
        Arbitrary<Byte> plain = Arbitraries.bytes().between((byte) 'A', (byte) 'z');
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(8, plain),
                        net.jqwik.api.Tuple.of(2, special),
                        net.jqwik.api.Tuple.of(1, any))
                .array(byte[].class)
                .ofMaxSize(300);
    }

    @Provide
    Arbitrary<String> crlfText() {
        Arbitrary<String> line = Arbitraries.strings().withChars("ab.:\t ").ofMaxLength(12);
        return line.list().ofMaxSize(12).map(lines -> {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append("\r\n");
            return sb.toString();
        });
    }

    @Provide
    Arbitrary<byte[]> hostileBytes() {
        return Arbitraries.of((byte) '\r', (byte) '\n', (byte) '.', (byte) 'a', (byte) 0)
                .array(byte[].class)
                .ofMaxSize(40);
    }

    // ---- helpers ----------------------------------------------------------------------------

    static byte[] stuff(byte[] m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte b : m) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static int indexOf(byte[] h, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= h.length; i++) {
            for (int j = 0; j < n.length; j++) if (h[i + j] != n[j]) continue outer;
            return i;
        }
        return -1;
    }

    static String unescape(String s) {
        return s.trim().replace("\\r", "\r").replace("\\n", "\n");
    }
}
