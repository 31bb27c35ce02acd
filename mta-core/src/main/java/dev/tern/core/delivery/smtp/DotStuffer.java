package dev.tern.core.delivery.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a message into the DATA byte stream in chunks of about {@value #CHUNK} bytes, each one direct
 * buffer (the one copy the socket write needs). A '.' at the start of a line (after LF, or at offset
 * 0) is doubled by copying the slices before and from it so that they overlap on it. The stream ends with
 * CRLF "." CRLF (the first CRLF added only when the message does not end with one).
 *
 * <p>A message with a tail file (a large body in the spool) continues after the array with the
 * file, read {@value #CHUNK} bytes at a time as chunks are asked for: at most one block per chunk
 * is in memory, whatever the message size. Reading happens on the caller's thread (the event
 * loop, like Netty's own {@code ChunkedNioFile}); a read error is an {@link UncheckedIOException}.
 * {@link #close()} closes the file.
 */
final class DotStuffer implements AutoCloseable {
    static final int CHUNK = 64 * 1024;
    private static final byte[] DOT_CRLF = {'.', '\r', '\n'};
    private static final byte[] CRLF_DOT_CRLF = {'\r', '\n', '.', '\r', '\n'};

    private final ByteBufAllocator alloc;
    private final Path tailFile;
    private InputStream tail;
    private boolean tailDone;
    private byte[] message; // the current segment: the array, then each block of the tail
    private int length; // bytes of the current segment
    private int position; // first byte of the segment not yet emitted
    private int scanFrom; // first byte of the segment not yet checked for a line-start dot
    private byte before = '\n'; // the byte before the segment (the start of the message is a line start)
    private byte beforeThat;
    private long total;
    private boolean finished;

    DotStuffer(byte[] message, ByteBufAllocator alloc) {
        this(message, null, alloc);
    }

    /** The message {@code message} followed by the content of {@code tailFile} (null: none). */
    DotStuffer(byte[] message, Path tailFile, ByteBufAllocator alloc) {
        this.message = message;
        this.length = message.length;
        this.tailFile = tailFile;
        this.tailDone = tailFile == null;
        this.alloc = alloc;
        this.total = message.length;
    }

    boolean hasNext() {
        return !finished;
    }

    /** The next chunk; the last one carries the terminating ".". */
    ByteBuf next() {
        if (finished) throw new IllegalStateException("no more chunks");
        // one direct buffer: the socket write needs direct memory (Netty copies a heap buffer, or a
        // composite of heap slices, into one before it writes), so the copy is made here, once
        ByteBuf chunk = alloc.directBuffer((int) Math.min(CHUNK, remainingGuess()) + CRLF_DOT_CRLF.length + 1);
        int size = 0;
        try {
            while (size < CHUNK && (position < length || nextSegment())) {
                int limit = Math.min(length, position + (CHUNK - size));
                int dot = findLineStartDot(Math.max(position, scanFrom), limit);
                int end = dot < 0 ? limit : dot + 1;
                chunk.writeBytes(message, position, end - position);
                size += end - position;
                if (dot < 0) {
                    position = end;
                    scanFrom = end;
                } else {
                    position = dot; // the dot is emitted again at the start of the next slice
                    scanFrom = dot + 1;
                }
            }
        } catch (UncheckedIOException e) {
            chunk.release();
            throw e;
        }
        if (position >= length && tailDone) {
            boolean endsWithCrlf = lastByte(1) == '\r' && lastByte(0) == '\n';
            chunk.writeBytes(endsWithCrlf || total == 0 ? DOT_CRLF : CRLF_DOT_CRLF);
            finished = true;
            close();
        }
        return chunk;
    }

    /** Bytes left in the current segment, or a whole chunk when a tail follows. */
    private long remainingGuess() {
        return tailDone ? length - position : CHUNK;
    }

    /** The byte {@code back} places before the end of what was read so far. */
    private byte lastByte(int back) {
        int i = length - 1 - back;
        if (i >= 0) return message[i];
        return i == -1 ? before : beforeThat;
    }

    /** Moves to the next block of the tail; false at its end. */
    private boolean nextSegment() {
        if (tailDone) return false;
        try {
            if (tail == null) tail = Files.newInputStream(tailFile);
            byte[] block = new byte[CHUNK];
            int n = tail.readNBytes(block, 0, CHUNK);
            if (n == 0) {
                tailDone = true;
                close();
                return false;
            }
            beforeThat = lastByte(1);
            before = lastByte(0);
            message = block;
            length = n;
            position = 0;
            scanFrom = 0;
            total += n;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the message file " + tailFile + " failed: " + e, e);
        }
    }

    /** The first dot in {@code [from, limit)} at the start of a line, or -1. */
    private int findLineStartDot(int from, int limit) {
        if (from >= limit) return -1;
        if (from == 0 && message[0] == '.' && before == '\n') return 0;
        int p = Math.max(from - 1, 0); // a dot at p + 1 follows an LF at p
        while (true) {
            p = ByteScan.indexOf(message, p, limit - 1, (byte) '\n');
            if (p < 0) return -1;
            if (message[p + 1] == '.') return p + 1;
            p++;
        }
    }

    /** Closes the tail file, if open. */
    @Override
    public void close() {
        if (tail != null) {
            try {
                tail.close();
            } catch (IOException ignored) {
                // read-only
            }
            tail = null;
        }
    }
}
