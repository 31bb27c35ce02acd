package dev.tern.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The tail of a large message body, written to a staging file of the spool as it arrives
 * ({@link Spool#newBodyFile()}), so the heap never holds it whole. It becomes part of a message
 * only through {@link Spool#store(Envelope, byte[], BodyFile, java.util.List)}, which fsyncs it and
 * links it under the message; {@link #close()} then removes the staging name. A staging file
 * left by a crash is deleted when the spool is next opened. Not thread-safe: one writer.
 */
public final class BodyFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private long size;
    private boolean eightBit;
    private boolean synced;
    private boolean closed;

    BodyFile(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Appends {@code b[off, off + len)}. */
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("body file " + path + " is closed");
        if (synced) throw new IOException("body file " + path + " is already stored");
        if (!eightBit) {
            for (int i = off, end = off + len; i < end; i++) {
                if (b[i] < 0) {
                    eightBit = true;
                    break;
                }
            }
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) channel.write(buf);
        size += len;
    }

    /** Bytes written so far. */
    public long size() {
        return size;
    }

    /** Whether a byte with the high bit set was written. */
    public boolean eightBit() {
        return eightBit;
    }

    Path path() {
        return path;
    }

    /** Makes the content durable (once; no writes after). */
    void sync() throws IOException {
        if (synced) return;
        channel.force(true);
        synced = true;
    }

    /** Closes and deletes the staging file; stored messages keep their own link to the data. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was promised about an unstored file
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // left for the orphan sweep on the next open
        }
    }
}
