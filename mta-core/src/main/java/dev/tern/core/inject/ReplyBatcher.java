package dev.tern.core.inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.subethamail.smtp.server.Session;

/**
 * Writes the replies to a pipelined group of commands in one {@code write()} (RFC 2920 section 3.2:
 * the server may buffer replies while more commands are waiting). SubEthaSMTP flushes after every
 * reply; here a flush only reaches the socket when the session's input holds no further bytes (read
 * ahead in its buffer, or waiting in the socket after a read that filled the buffer: see
 * {@link SessionInput#morePending}), so MAIL, RCPT and DATA sent in one write are
 * answered by one write, and a multi-line reply (EHLO) goes out whole. With TCP_NODELAY on the
 * socket ({@link ConnectionGuard}), the batch leaves at once: no Nagle/delayed-ACK stall.
 *
 * <p>A reply after which the client must wait before it sends more is always written at once: 220
 * (greeting, STARTTLS: the next bytes are a handshake), 334 (an AUTH challenge) and 354 (DATA's
 * go-ahead). More than {@link #LIMIT} bytes of held replies are written too (a long pipelined
 * group). Closing writes whatever is held. Installed by {@link EnhancedReplies#install}, below the
 * enhanced-code filter, for each socket of the session (plain, SMTPS, after STARTTLS).
 */
final class ReplyBatcher extends OutputStream {
    /** Held replies beyond this many bytes are written without waiting for the end of the group. */
    static final int LIMIT = 8192;

    private final Session session;
    private final OutputStream out;
    private byte[] buf = new byte[256];
    private int count;
    private int lineStart; // where the line being written starts
    private int lastLine = -1; // where the last complete line starts; -1: none

    ReplyBatcher(Session session, OutputStream out) {
        this.session = session;
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (count + len > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
        System.arraycopy(b, off, buf, count, len);
        int end = count + len;
        for (int i = count; i < end; i++) {
            if (buf[i] == '\n') {
                lastLine = lineStart;
                lineStart = i + 1;
            }
        }
        count = end;
        if (count >= LIMIT && lineStart == count) drain();
    }

    /** Writes the held replies unless the client has more commands waiting for their answers. */
    @Override
    public void flush() throws IOException {
        if (count == 0) return;
        if (!clientWaits() && inputPending()) return;
        drain();
    }

    /** Whether the last complete reply line is one after which the client sends nothing unanswered. */
    private boolean clientWaits() {
        if (lastLine < 0 || lineStart != count || lastLine + 3 > count) return true; // odd: do not hold
        byte a = buf[lastLine], b = buf[lastLine + 1], c = buf[lastLine + 2];
        return (a == '2' && b == '2' && c == '0')
                || (a == '3' && b == '3' && c == '4')
                || (a == '3' && b == '5' && c == '4');
    }

    /**
     * Whether the session has more input to answer: bytes buffered, or (see
     * {@link SessionInput#morePending}) likely waiting in the socket.
     */
    private boolean inputPending() {
        InputStream in = session.getRawInput();
        try {
            if (in instanceof SessionInput s) return s.morePending();
            return in != null && in.available() > 0;
        } catch (IOException e) {
            return false; // closing: write what is held
        }
    }

    private void drain() throws IOException {
        if (count == 0) return;
        int n = count;
        count = 0;
        lineStart = 0;
        lastLine = -1;
        out.write(buf, 0, n);
        out.flush();
        if (buf.length > 4 * 1024) buf = new byte[256]; // a long group: do not keep its buffer
    }

    @Override
    public void close() throws IOException {
        try {
            drain();
        } finally {
            out.close();
        }
    }
}
