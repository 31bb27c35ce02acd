package dev.tern.core.inject;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.Charset;

/**
 * The character side of a session's reply writer: the text of the replies since the last flush,
 * encoded (in the default charset, as the {@code OutputStreamWriter} a {@code PrintWriter} over a
 * stream would) and passed on in one write when flushed. It stands in for that writer and the
 * {@code BufferedWriter} above it, which take two locks and run a {@code CharsetEncoder} over a
 * wrapped buffer for every reply. More than {@link #LIMIT} characters held are passed on without
 * waiting for the flush (a pending high surrogate stays for its pair). One session thread writes.
 */
final class ReplyWriter extends Writer {
    /** Characters held beyond this are encoded and passed on before the flush (the BufferedWriter's size). */
    static final int LIMIT = 8192;

    private final OutputStream out;
    private final Charset charset = Charset.defaultCharset();
    private final StringBuilder text = new StringBuilder(128);

    ReplyWriter(OutputStream out) {
        super();
        this.out = out;
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        text.append(s, off, off + len);
        if (text.length() >= LIMIT) pass(false);
    }

    @Override
    public void write(char[] c, int off, int len) throws IOException {
        text.append(c, off, len);
        if (text.length() >= LIMIT) pass(false);
    }

    @Override
    public void write(int c) throws IOException {
        text.append((char) c);
        if (text.length() >= LIMIT) pass(false);
    }

    /** Encodes and passes on the text held; unless {@code all}, a trailing high surrogate waits for its pair. */
    private void pass(boolean all) throws IOException {
        int n = text.length();
        if (!all && n > 0 && Character.isHighSurrogate(text.charAt(n - 1))) n--;
        if (n == 0) return;
        byte[] b = text.substring(0, n).getBytes(charset);
        text.delete(0, n);
        out.write(b, 0, b.length);
    }

    @Override
    public void flush() throws IOException {
        pass(false);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            pass(true); // a lone surrogate left now is malformed: the charset's replacement
            out.flush();
        } finally {
            out.close();
        }
    }
}
