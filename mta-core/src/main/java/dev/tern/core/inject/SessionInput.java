package dev.tern.core.inject;

import java.io.IOException;
import java.io.InputStream;

/**
 * The input of one injection session: a buffer over the socket's stream, in place of the
 * {@link java.io.BufferedInputStream} SubEthaSMTP puts there. One session thread reads it, so it
 * takes no locks; a bulk read makes at most one read from the socket and never asks the socket how
 * much is waiting ({@code BufferedInputStream} calls {@code available()}, an
 * {@code ioctl(FIONREAD)}, after every short read). {@link DataReader} scans the buffer in place
 * ({@link #fill}, {@link #skipBuffered}), so the text of a DATA is not copied on its way in and
 * whatever the client pipelined behind it stays here for the command reader.
 */
final class SessionInput extends InputStream {
    static final int SIZE = 8192;

    private final InputStream in;
    private final byte[] buf = new byte[SIZE];
    private int pos;
    private int count;
    private boolean lastReadFull; // the last read from the socket filled all the room it was given

    SessionInput(InputStream in) {
        this.in = in;
    }

    /** Bytes read from the socket and not yet consumed. */
    int buffered() {
        return count - pos;
    }

    /**
     * The buffered bytes, after one read from the socket when there were none (blocking until some
     * arrive): their number, or -1 at the end of the stream. They are {@code buffer()[position(),
     * position() + n)}; consume them with {@link #skipBuffered}.
     */
    int fill() throws IOException {
        if (pos < count) return count - pos;
        pos = 0;
        count = 0;
        int n = in.read(buf, 0, buf.length);
        lastReadFull = n == buf.length;
        if (n <= 0) return n < 0 ? -1 : 0;
        count = n;
        return n;
    }

    byte[] buffer() {
        return buf;
    }

    int position() {
        return pos;
    }

    /** Consumes {@code n} buffered bytes. */
    void skipBuffered(int n) {
        if (n < 0 || n > count - pos) throw new IndexOutOfBoundsException(n + " of " + (count - pos) + " buffered");
        pos += n;
    }

    /** Longest command line, CRLF not counted, that the library's reader returns (998 chars and it refuses). */
    static final int MAX_LINE = 997;

    /**
     * The next command line without its CRLF, or null at the end of the stream: exactly what
     * {@code fallback.readLine()} returns (a {@code CRLFTerminatedReader} over this input), but a
     * whole line of ASCII waiting in the buffer is cut out of it in one step instead of a character
     * at a time through a UTF-8 decoder and a {@code StringBuffer}. Anything else (a line not yet
     * complete in the buffer, non-ASCII bytes, a bare CR or LF, an over-long line) is left to
     * {@code fallback}, which reads on from the same position and answers or throws as before.
     */
    String readLine(org.subethamail.smtp.internal.io.CRLFTerminatedReader fallback) throws IOException {
        int n = fill();
        if (n < 0) return null;
        int p = pos;
        int end = Math.min(count - 1, p + MAX_LINE); // room for the LF after a CR at end - 1
        for (int i = p; i <= end && i < count; i++) {
            byte b = buf[i];
            if (b == '\r') {
                if (i + 1 < count && buf[i + 1] == '\n') {
                    pos = i + 2;
                    return new String(buf, p, i - p, java.nio.charset.StandardCharsets.ISO_8859_1);
                }
                break;
            }
            if (b == '\n' || b < 0) break;
        }
        return fallback.readLine();
    }

    @Override
    public int read() throws IOException {
        if (pos >= count) {
            int n;
            do n = fill();
            while (n == 0);
            if (n < 0) return -1;
        }
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        int have = count - pos;
        if (have <= 0) {
            if (len >= buf.length) { // large: no copy through the buffer
                int n = in.read(b, off, len);
                lastReadFull = n == len;
                return n;
            }
            have = fill();
            if (have <= 0) return have;
        }
        int n = Math.min(have, len);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /**
     * Whether more input is known or likely to be waiting: bytes buffered, or the last read from
     * the socket took all the room it had (so the client's write was cut there) and the socket
     * holds more. After a short read the kernel had nothing more at that moment, and the socket is
     * not asked again ({@code ioctl(FIONREAD)}): only a client's write that reached the kernel in
     * pieces is then answered in more than one write.
     */
    boolean morePending() throws IOException {
        return count > pos || (lastReadFull && in.available() > 0);
    }

    /** Whether a read would return without blocking (bytes buffered or waiting in the socket). */
    @Override
    public int available() throws IOException {
        int have = count - pos;
        return have > 0 ? have : in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
