package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.internal.io.CRLFTerminatedReader;

/**
 * {@link SessionInput#readLine} against the library's {@link CRLFTerminatedReader} alone: on any
 * input, cut into any pieces by the socket, both give the same lines, the same end of stream and
 * the same exceptions (bare CR/LF with its position, over-long line, bad UTF-8), in the same order.
 */
class CommandLineReaderTest {

    /** Hands out {@code bytes} in pieces of the given sizes (then the rest), one piece per read. */
    private static final class Pieces extends InputStream {
        private final byte[] bytes;
        private final int[] sizes;
        private int pos;
        private int next;

        Pieces(byte[] bytes, int[] sizes) {
            this.bytes = bytes;
            this.sizes = sizes;
        }

        @Override
        public int read() {
            throw new AssertionError("single-byte read of the socket");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) return -1;
            int size = next < sizes.length ? Math.max(1, sizes[next++]) : bytes.length;
            int n = Math.min(Math.min(len, size), bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** What a reader gave, one entry per call, until the end of the stream or an exception. */
    private static List<String> lines(InputStream socket, boolean fast) {
        SessionInput in = new SessionInput(socket);
        CRLFTerminatedReader reader = new CRLFTerminatedReader(in);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            try {
                String line = fast ? in.readLine(reader) : reader.readLine();
                if (line == null) {
                    out.add("EOF");
                    return out;
                }
                out.add("line:" + line);
            } catch (CRLFTerminatedReader.TerminationException e) {
                out.add("termination at " + e.position() + ": " + e.getMessage());
                return out;
            } catch (IOException e) {
                out.add(e.getClass().getName() + ": " + e.getMessage());
                return out;
            }
        }
        throw new AssertionError("no end");
    }

    private static void sameAsLibrary(byte[] input, int[] pieces) {
        List<String> library = lines(new Pieces(input, pieces), false);
        List<String> tern = lines(new Pieces(input, pieces), true);
        assertThat(tern).isEqualTo(library);
    }

    @Property(tries = 400)
    void sameLinesAndErrorsAsTheLibraryOnAnyInput(@ForAll("smtpish") byte[] input, @ForAll("pieceSizes") int[] pieces) {
        sameAsLibrary(input, pieces);
    }

    @Provide
    Arbitrary<byte[]> smtpish() {
        // commands, CRLF, bare CR/LF, UTF-8 and invalid bytes, and runs long enough to pass the limit
        Arbitrary<String> part = Arbitraries.oneOf(
                Arbitraries.of("MAIL FROM:<a@b.c>", "RCPT TO:<x@y.z>", "DATA", "NOOP", "QUIT", "EHLO h", " ", ""),
                Arbitraries.of(
                        "\r\n", "\r\n", "\r\n", "\r", "\n", "\n\r", "\r\r\n", "\u00e9", "\u20ac", "\ud83d\ude00"),
                Arbitraries.of("\u0000", "\u007f", "\t"),
                Arbitraries.integers().between(990, 1000).map("x"::repeat),
                Arbitraries.strings().ofMaxLength(20));
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(8);
        return Arbitraries.oneOf(
                        part.map(s -> s.getBytes(StandardCharsets.UTF_8)),
                        part.map(s -> s.getBytes(StandardCharsets.UTF_8)),
                        part.map(s -> s.getBytes(StandardCharsets.UTF_8)),
                        raw)
                .list()
                .ofMaxSize(30)
                .map(parts -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    parts.forEach(b::writeBytes);
                    return b.toByteArray();
                });
    }

    @Provide
    Arbitrary<int[]> pieceSizes() {
        return Arbitraries.integers().between(1, 9000).array(int[].class).ofMaxSize(20);
    }

    @Test
    void theLengthLimitIsTheLibrarysAtEveryBoundaryAndPieceCut() {
        Random random = new Random(17);
        for (int len = SessionInput.MAX_LINE - 3; len <= SessionInput.MAX_LINE + 3; len++) {
            byte[] input = ("x".repeat(len) + "\r\nNOOP\r\n").getBytes(StandardCharsets.US_ASCII);
            sameAsLibrary(input, new int[0]);
            for (int cut = 1; cut < 12; cut++)
                sameAsLibrary(input, new int[] {len + cut - 6 > 0 ? len + cut - 6 : 1, random.nextInt(5) + 1});
        }
        // exactly the longest line the library accepts comes back whole; one more character is refused
        byte[] longest = ("y".repeat(SessionInput.MAX_LINE) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(lines(new Pieces(longest, new int[0]), true))
                .containsExactly("line:" + "y".repeat(SessionInput.MAX_LINE), "EOF");
        byte[] tooLong = ("y".repeat(SessionInput.MAX_LINE + 1) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(lines(new Pieces(tooLong, new int[0]), true))
                .containsExactly(CRLFTerminatedReader.MaxLineLengthException.class.getName()
                        + ": Input line length is too long!");
    }

    @Test
    void pipelinedCommandsComeOutOneByOneFromOneRead() {
        byte[] input = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(lines(new Pieces(input, new int[0]), true))
                .containsExactly("line:MAIL FROM:<a@b>", "line:RCPT TO:<c@d>", "line:DATA", "EOF");
    }

    @Test
    void aBareLfAndInvalidUtf8GetTheLibrarysErrors() {
        assertThat(lines(new Pieces("NOOP\nx\r\n".getBytes(StandardCharsets.US_ASCII), new int[0]), true))
                .containsExactly("termination at 4: \"bare\" CR or LF in data stream");
        assertThat(lines(new Pieces(new byte[] {'N', (byte) 0x80, '\r', '\n'}, new int[0]), true))
                .singleElement()
                .asString()
                .startsWith("org.subethamail.smtp.internal.io.Utf8InputStreamReader$InvalidUTF8EncodingException");
        // UTF-8 in a command is the library's too: decoded, one character per code unit
        assertThat(lines(new Pieces("NOOP \u00e9\r\n".getBytes(StandardCharsets.UTF_8), new int[] {6}), true))
                .containsExactly("line:NOOP \u00e9", "EOF");
    }
}
