package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.DataLimits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session's input buffer: reads, the in-place DATA scan, and when more input counts as pending. */
class SessionInputTest {

    /** Hands out the given pieces, one per read, and counts how often it was asked what is waiting. */
    private static final class Pieces extends InputStream {
        final Deque<byte[]> pieces = new ArrayDeque<>();
        int availableCalls;
        int waiting; // what available() answers

        Pieces(String... parts) {
            for (String p : parts) pieces.add(p.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public int read() {
            throw new AssertionError("single-byte read of the socket");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] p = pieces.poll();
            if (p == null) return -1;
            int n = Math.min(len, p.length);
            System.arraycopy(p, 0, b, off, n);
            if (n < p.length) pieces.push(java.util.Arrays.copyOfRange(p, n, p.length));
            return n;
        }

        @Override
        public int available() {
            availableCalls++;
            return waiting;
        }
    }

    @Test
    void dataIsScannedInPlaceAndWhatFollowsStaysForTheCommandReader() throws IOException {
        // the text arrives in pieces; the end-of-data marker is split and a pipelined command follows it
        Pieces socket = new Pieces("Subject: x\r\n\r\n..dot\r\nline\r", "\n.", "\r\nRSET\r\nQUIT\r\n");
        SessionInput in = new SessionInput(socket);
        DataReader.Result r = DataReader.readData(in, DataReader.Limits.of(DataLimits.defaults(), 1 << 20), 0);
        assertThat(r.accepted()).isTrue();
        assertThat(new String(r.buffer(), 0, r.length(), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: x\r\n\r\n.dot\r\nline\r\n");
        assertThat(new String(in.readNBytes(in.buffered()), StandardCharsets.US_ASCII))
                .isEqualTo("RSET\r\nQUIT\r\n");
        assertThat(socket.availableCalls).isZero();
    }

    @Test
    void aBareLfTextIsStillReadToItsEndAndRefused() throws IOException {
        SessionInput in = new SessionInput(new Pieces("a\nb\r\n.\r\nNOOP\r\n"));
        DataReader.Result r = DataReader.readData(in, DataReader.Limits.of(DataLimits.defaults(), 1 << 20), 0);
        assertThat(r.accepted()).isFalse();
        assertThat(r.violation()).isEqualTo(DataReader.Violation.BARE_LF);
        assertThat(in.buffered()).isEqualTo("NOOP\r\n".length());
    }

    @Test
    void anOversizeTextIsReadToItsEndAndTheSessionStaysInStep() throws IOException {
        String big = "x".repeat(900) + "\r\n";
        SessionInput in = new SessionInput(new Pieces(big.repeat(20) + ".\r\nQUIT\r\n"));
        DataReader.Result r = DataReader.readData(in, DataReader.Limits.of(DataLimits.defaults(), 4096), 0);
        assertThat(r.violation()).isEqualTo(DataReader.Violation.TOO_BIG);
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("QUIT\r\n");
    }

    @Test
    void theSocketIsAskedWhatIsWaitingOnlyAfterAReadThatFilledTheBuffer() throws IOException {
        Pieces socket = new Pieces("MAIL FROM:<a@x>\r\n", "y".repeat(SessionInput.SIZE), "z".repeat(10));
        SessionInput in = new SessionInput(socket);
        socket.waiting = 10;
        assertThat(in.read()).isEqualTo('M');
        assertThat(in.morePending()).isTrue(); // buffered
        in.skipBuffered(in.buffered());
        assertThat(in.morePending()).isFalse(); // a short read: the kernel had no more
        assertThat(socket.availableCalls).isZero();
        assertThat(in.fill()).isEqualTo(SessionInput.SIZE);
        in.skipBuffered(SessionInput.SIZE);
        assertThat(in.morePending()).isTrue(); // the read filled the buffer: the socket is asked
        assertThat(socket.availableCalls).isEqualTo(1);
        byte[] rest = new byte[20];
        assertThat(in.read(rest, 0, 20)).isEqualTo(10);
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.fill()).isEqualTo(-1);
    }

    @Test
    void bulkReadsTakeTheBufferFirstAndLargeOnesGoStraightToTheSocket() throws IOException {
        byte[] payload = new byte[3 * SessionInput.SIZE];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        SessionInput in = new SessionInput(new ByteArrayInputStream(payload));
        assertThat(in.read()).isEqualTo(0);
        byte[] b = new byte[2 * SessionInput.SIZE];
        int n = in.read(b, 0, b.length);
        assertThat(n).isEqualTo(SessionInput.SIZE - 1); // what was buffered, no second read
        int m = in.read(b, n, b.length - n);
        assertThat(m).isEqualTo(b.length - n); // large: straight from the stream
        for (int i = 0; i < n + m; i++) assertThat(b[i]).isEqualTo((byte) (i + 1));
        assertThat(List.of(in.available())).containsExactly(payload.length - 1 - n - m);
    }
}
