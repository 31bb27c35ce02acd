package dev.tern.dkim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * Streaming RFC 6376 section 3.4.3/3.4.4 body canonicalizer feeding a digest. Input may be split anywhere
 * (inside a CRLF or a whitespace run); only CRLF ends a line, a bare CR or LF is ordinary data. Not thread-safe.
 *
 * <p>State carried across chunks: a CR not yet known to start a CRLF, the number of line ends not yet emitted
 * (they are dropped if only empty lines follow) and, for relaxed, a pending whitespace run.
 */
final class BodyHasher {
    private static final int BUFFER = 2048;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final boolean relaxed;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[BUFFER];
    private int outLen;
    private long produced;
    private long hashed;
    private long pendingCrlf;
    private boolean pendingCr;
    private boolean pendingWsp;
    private boolean content;
    private boolean finished;

    /**
     * @param digestAlgorithm JCA name, e.g. {@code SHA-256}
     * @param limit           hash only the first {@code limit} canonical bytes ({@code l=}), or -1 for all
     */
    BodyHasher(Canonicalization canonicalization, String digestAlgorithm, long limit) {
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        this.digest = Hashing.newDigest(digestAlgorithm);
        this.limit = limit;
    }

    BodyHasher(Canonicalization canonicalization) {
        this(canonicalization, "SHA-256", -1);
    }

    void update(byte[] b, int off, int len) {
        if (finished) {
            throw new IllegalStateException("body hash already finished");
        }
        int end = off + len;
        int i = off;
        while (i < end) {
            if (!pendingCr && !pendingWsp && pendingCrlf == 0) {
                // fast path: copy a run of bytes that need no decision (not CR, and for relaxed not WSP)
                int j = i;
                while (j < end) {
                    j = plainWords(b, j, end);
                    if (j >= end) {
                        break;
                    }
                    byte c = b[j];
                    if (c == '\r') {
                        // CRLF followed by ordinary data ends a non-empty line: nothing to drop, keep as is
                        if (j + 2 < end && b[j + 1] == '\n') {
                            byte d = b[j + 2];
                            if (d != '\r' && !(relaxed && (d == ' ' || d == '\t'))) {
                                j += 3;
                                continue;
                            }
                        }
                        break;
                    }
                    if (relaxed && (c == ' ' || c == '\t')) {
                        // a single SP followed by ordinary data is kept as is; anything else needs the state machine
                        if (c == ' ' && j + 1 < end) {
                            byte d = b[j + 1];
                            if (d != ' ' && d != '\t' && d != '\r') {
                                j += 2;
                                continue;
                            }
                        }
                        break;
                    }
                    j++;
                }
                if (j > i) {
                    emitRun(b, i, j - i);
                    content = true;
                    i = j;
                    continue;
                }
            }
            byte c = b[i++];
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    pendingWsp = false;
                    pendingCrlf++;
                    continue;
                }
                data((byte) '\r');
            }
            if (c == '\r') {
                pendingCr = true;
            } else if (relaxed && (c == ' ' || c == '\t')) {
                pendingWsp = true;
            } else {
                data(c);
            }
        }
    }

    /**
     * Skips whole 8-byte words that need no decision, eight bytes per step: no CR, and for relaxed no
     * HTAB and no SP followed by SP, HTAB or CR (nor a SP last in the word, whose follower is unseen).
     * Returns the index of the first byte that does (the byte loop looks at it), or where fewer than 8 are left.
     */
    private int plainWords(byte[] b, int j, int end) {
        while (j + 8 <= end) {
            long w = (long) LONGS.get(b, j);
            long cr = bytesEqual(w, 0x0D0D0D0D0D0D0D0DL);
            long bad = cr;
            if (relaxed) {
                long tab = bytesEqual(w, 0x0909090909090909L);
                long sp = bytesEqual(w, 0x2020202020202020L);
                bad |= tab | (sp & ((sp | tab | cr) >>> 8)) | (sp & 0x8000000000000000L);
            }
            if (bad != 0) {
                return j + (Long.numberOfTrailingZeros(bad) >>> 3); // the bytes before the first flagged one are plain
            }
            j += 8;
        }
        return j;
    }

    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** 0x80 in every byte of {@code w} equal to the corresponding byte of {@code pattern}, 0 elsewhere (exact). */
    private static long bytesEqual(long w, long pattern) {
        long x = w ^ pattern;
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    private void emitRun(byte[] b, int off, int len) {
        if (len >= 1024) {
            flush();
            hash(b, off, len);
            return;
        }
        while (len > 0) {
            int n = Math.min(len, BUFFER - outLen);
            System.arraycopy(b, off, out, outLen, n);
            outLen += n;
            off += n;
            len -= n;
            if (outLen == BUFFER) {
                flush();
            }
        }
    }

    private void data(byte c) {
        if (pendingCrlf > 0) {
            for (long n = pendingCrlf; n > 0; n--) {
                emit((byte) '\r');
                emit((byte) '\n');
            }
            pendingCrlf = 0;
        }
        if (pendingWsp) {
            pendingWsp = false;
            emit((byte) ' ');
        }
        emit(c);
        content = true;
    }

    private void emit(byte c) {
        out[outLen++] = c;
        if (outLen == BUFFER) {
            flush();
        }
    }

    private void flush() {
        hash(out, 0, outLen);
        outLen = 0;
    }

    /** Hashes canonical bytes, honouring the l= limit. */
    private void hash(byte[] b, int off, int len) {
        int n = len;
        if (limit >= 0) {
            n = (int) Math.max(0, Math.min(n, limit - hashed));
        }
        digest.update(b, off, n);
        hashed += n;
        produced += len;
    }

    /** Ends the body and returns its hash; {@link #length()} is then the full canonical body length. */
    byte[] finish() {
        if (finished) {
            throw new IllegalStateException("body hash already finished");
        }
        if (pendingCr) {
            pendingCr = false;
            data((byte) '\r');
        }
        // simple: an empty body becomes one CRLF, trailing empty lines collapse to the last line's CRLF;
        // relaxed: an empty body stays empty, otherwise exactly one CRLF ends the last line.
        if (content || !relaxed) {
            emit((byte) '\r');
            emit((byte) '\n');
        }
        flush();
        finished = true;
        return digest.digest();
    }

    /** Canonical body length in bytes (valid after {@link #finish()}). */
    long length() {
        return produced;
    }
}
