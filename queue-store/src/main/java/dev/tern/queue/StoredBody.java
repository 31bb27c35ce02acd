package dev.tern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A spooled message body: {@link #head()} from RocksDB followed, for a body that was streamed to
 * the spool, by a tail file of {@link #tailSize()} bytes (read with {@link #openTail()}, never
 * loaded whole).
 *
 * @param head          the first part of the body (the whole body when {@code tail} is null)
 * @param tail          the tail file, or null
 * @param tailSize      bytes in the tail file (0 without one)
 * @param tailEightBit  the tail has a byte with the high bit set
 */
public record StoredBody(byte[] head, Path tail, long tailSize, boolean tailEightBit) {
    /** Whether part of the body is in a tail file. */
    public boolean streamed() {
        return tail != null;
    }

    /** Size of the whole body in bytes. */
    public long size() {
        return head.length + tailSize;
    }

    /**
     * Opens the tail file for reading; fails with {@link java.nio.file.NoSuchFileException} when
     * the message was removed from the spool meanwhile.
     */
    public InputStream openTail() throws IOException {
        if (tail == null) return InputStream.nullInputStream();
        return Files.newInputStream(tail);
    }

    /** The whole body as one stream. */
    public InputStream open() throws IOException {
        return new SequenceInputStream(new java.io.ByteArrayInputStream(head), openTail());
    }

    /** The whole body in memory: only for bodies known to be small (tests, tools). */
    public byte[] readAll() throws IOException {
        if (tail == null) return head;
        try (InputStream in = open()) {
            return in.readAllBytes();
        }
    }
}
