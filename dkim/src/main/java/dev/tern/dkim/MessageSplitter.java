package dev.tern.dkim;

import java.util.Arrays;
import java.util.List;

/**
 * Splits a streamed message (CRLF line ends) into its header block, buffered, and its body, passed on in
 * chunks as they arrive. The header block ends at the first empty line. Not thread-safe.
 */
final class MessageSplitter {
    /** Receives body bytes. */
    interface BodySink {
        void body(byte[] b, int off, int len);
    }

    private final BodySink sink;
    private byte[] header = new byte[1024];
    private int headerLen;
    /** Characters of "\r\n\r\n" matched so far; starts at 2 so that a leading empty line means no headers. */
    private int matched = 2;

    private boolean inBody;

    MessageSplitter(BodySink sink) {
        this.sink = sink;
    }

    void update(byte[] b, int off, int len) {
        if (inBody) {
            if (len > 0) {
                sink.body(b, off, len);
            }
            return;
        }
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == '\r') {
                matched = (matched == 0 || matched == 2) ? matched + 1 : 1;
            } else if (c == '\n' && (matched == 1 || matched == 3)) {
                matched++;
            } else {
                matched = 0;
            }
            if (matched == 4) {
                // header block keeps the CRLF of its last field, not the empty line
                appendHeader(b, off, i - 1 - off);
                inBody = true;
                if (end - i - 1 > 0) {
                    sink.body(b, i + 1, end - i - 1);
                }
                return;
            }
        }
        appendHeader(b, off, len);
    }

    private void appendHeader(byte[] b, int off, int len) {
        if (len <= 0) {
            if (len < 0) {
                headerLen += len; // the empty line's CR was buffered in the previous chunk
            }
            return;
        }
        if (headerLen + len > header.length) {
            header = Arrays.copyOf(header, Math.max(header.length * 2, headerLen + len));
        }
        System.arraycopy(b, off, header, headerLen, len);
        headerLen += len;
    }

    /** The header fields seen (all of the input if it had no empty line). */
    List<HeaderField> headers() {
        return HeaderField.parseBlock(header, Math.max(0, headerLen));
    }
}
