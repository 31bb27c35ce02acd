package dev.tern.core.delivery.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Turns a message into the DATA byte stream in chunks of about {@value #CHUNK} bytes, without copying
 * the message: each chunk is a composite of slices wrapping the message array. A '.' at the start of a
 * line (after LF, or at offset 0) is doubled by letting two slices overlap on it. The stream ends with
 * CRLF "." CRLF (the first CRLF added only when the message does not end with one).
 */
final class DotStuffer {
    static final int CHUNK = 64 * 1024;
    private static final byte[] DOT_CRLF = {'.', '\r', '\n'};
    private static final byte[] CRLF_DOT_CRLF = {'\r', '\n', '.', '\r', '\n'};

    private final byte[] message;
    private final ByteBufAllocator alloc;
    private int position; // first byte not yet emitted
    private int scanFrom; // first byte not yet checked for a line-start dot
    private boolean finished;

    DotStuffer(byte[] message, ByteBufAllocator alloc) {
        this.message = message;
        this.alloc = alloc;
    }

    boolean hasNext() {
        return !finished;
    }

    /** The next chunk; the last one carries the terminating ".". */
    ByteBuf next() {
        if (finished) throw new IllegalStateException("no more chunks");
        CompositeByteBuf chunk = alloc.compositeBuffer(64);
        int size = 0;
        while (size < CHUNK && position < message.length) {
            int limit = Math.min(message.length, position + (CHUNK - size));
            int dot = findLineStartDot(Math.max(position, scanFrom), limit);
            int end = dot < 0 ? limit : dot + 1;
            chunk.addComponent(true, Unpooled.wrappedBuffer(message, position, end - position));
            size += end - position;
            if (dot < 0) {
                position = end;
                scanFrom = end;
            } else {
                position = dot; // the dot is emitted again at the start of the next slice
                scanFrom = dot + 1;
            }
            if (chunk.numComponents() >= 60) break;
        }
        if (position >= message.length) {
            boolean endsWithCrlf =
                    message.length >= 2 && message[message.length - 2] == '\r' && message[message.length - 1] == '\n';
            chunk.addComponent(
                    true, Unpooled.wrappedBuffer(endsWithCrlf || message.length == 0 ? DOT_CRLF : CRLF_DOT_CRLF));
            finished = true;
        }
        return chunk;
    }

    private int findLineStartDot(int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (message[i] == '.' && (i == 0 || message[i - 1] == '\n')) return i;
        }
        return -1;
    }
}
