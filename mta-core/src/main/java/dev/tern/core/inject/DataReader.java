package dev.tern.core.inject;

import dev.tern.core.config.DataLimits;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the message text of one DATA (dot-stuffed, up to {@code <CRLF>.<CRLF>}) or BDAT
 * transaction in large chunks and checks it on the way: an explicit state machine un-dot-stuffs,
 * finds the end of data only at {@code <CRLF>.<CRLF>} (never at {@code <LF>.<LF>},
 * {@code <CR>.<CR>}, {@code <LF>.<CRLF>} or {@code <CRLF>.<LF>}), and notes bare LF, bare CR,
 * NUL bytes, over-long lines, an over-long header section and an over-size message (see
 * {@link DataLimits} for the policy). A message that breaks a limit is still read to its end, so
 * the session stays in step, but buffering stops at the first problem: memory stays bounded by
 * the limits whatever the client sends.
 *
 * <p>Reading never goes past the end-of-data marker: with a stream that supports
 * {@link InputStream#mark mark/reset} (SubEthaSMTP's session input is a
 * {@link java.io.BufferedInputStream} shared with its command reader) each chunk is marked, and
 * the bytes after the marker are pushed back with reset-and-skip, so a command the client
 * pipelined behind the data is read by the command reader; other streams are read a byte at a
 * time. Not thread-safe: one instance per message.
 *
 * <p>Bounded memory ({@link Overflow}): the buffer grows only within the in-memory threshold and
 * the session's {@link MemoryBudget.Lease}. Past either, once the header section is complete,
 * the rest of the text goes to a {@link Tail} (a spool file) as it arrives: the buffer then holds
 * the header section plus a staging area that is written out whenever it fills. Without a tail
 * factory the text is truncated there instead (kept: the first bytes). While the header section
 * is still being read it must stay in memory: a lease that cannot grow then refuses the message
 * ({@link Violation#NO_MEMORY}, {@code 452 4.3.1}), still reading it to its end.
 */
public final class DataReader {
    /** What was wrong with a message; the first problem found is the one reported. */
    public enum Violation {
        TOO_BIG,
        NUL,
        BARE_LF,
        BARE_CR,
        LINE_TOO_LONG,
        HEADER_TOO_BIG,
        /** The memory budget ({@code injection.max_memory}) could not hold the message now. */
        NO_MEMORY,
        /** Writing the body to the spool failed. */
        SPOOL_ERROR
    }

    /** Where the text past the in-memory part goes: a sink that receives it as it arrives. */
    public interface Tail extends AutoCloseable {
        /** Appends text (after the header section). */
        void write(byte[] b, int off, int len) throws IOException;

        /**
         * Releases the tail: what was written is discarded unless the message was stored (the
         * spool keeps its own reference). Called on refusal by the reader, else by its user.
         */
        @Override
        void close();
    }

    /** Opens the {@link Tail} of a message whose text outgrows memory. */
    @FunctionalInterface
    public interface Spill {
        /**
         * Called once, when the text outgrows memory and its header section is
         * {@code message[0, headerEnd)}; that range does not change afterwards.
         */
        Tail open(byte[] message, int headerEnd) throws IOException;
    }

    /**
     * How much of a message may be held in memory.
     *
     * @param threshold largest in-memory buffer in bytes; past it the text goes to the tail
     * @param lease     the session's share of {@code injection.max_memory}; the buffer takes twice
     *                  its capacity (it is copied once when the message is spooled)
     * @param spill     opens the tail; null: keep the first {@code threshold} bytes, drop the rest
     *                  ({@link Result#truncated()})
     */
    record Overflow(long threshold, MemoryBudget.Lease lease, Spill spill) {}

    /**
     * The limits applied while reading.
     *
     * @param maxMessageSize largest message in bytes (after un-dot-stuffing)
     * @param maxLineLength  longest line in bytes, without its CRLF
     * @param maxHeaderSize  largest header section in bytes
     * @param normalize      turn bare LF and bare CR into CRLF instead of refusing the message
     */
    public record Limits(long maxMessageSize, int maxLineLength, long maxHeaderSize, boolean normalize) {
        public static Limits of(DataLimits data, long maxMessageSize) {
            return new Limits(
                    maxMessageSize,
                    data.maxLineLength(),
                    data.maxHeaderSize().bytes(),
                    data.bareLineEndings() == DataLimits.BareLineEndings.NORMALIZE);
        }
    }

    /**
     * A message read to its end: the text is {@code buffer[0, length)} when {@code violation} is
     * null; otherwise nothing usable was kept. {@code size} counts every byte of the text, also
     * those not kept. With a {@code tail}, {@code buffer[0, length)} is the header section and the
     * rest of the text was written to the tail; {@code truncated}: the text past
     * {@code buffer[0, length)} was dropped (an {@link Overflow} without spill).
     */
    public record Result(
            byte[] buffer, int length, long size, Violation violation, Limits limits, Tail tail, boolean truncated) {
        public Result(byte[] buffer, int length, long size, Violation violation, Limits limits) {
            this(buffer, length, size, violation, limits, null, false);
        }

        public boolean accepted() {
            return violation == null;
        }

        /** The SMTP reply code for a refused message. */
        public int code() {
            return switch (violation) {
                case TOO_BIG, HEADER_TOO_BIG -> 552;
                case NUL, BARE_LF, BARE_CR, LINE_TOO_LONG -> 550;
                case NO_MEMORY -> 452;
                case SPOOL_ERROR -> 451;
            };
        }

        /** The reply text (enhanced code first) for a refused message. */
        public String text() {
            return switch (violation) {
                case TOO_BIG ->
                    "5.3.4 Message too big: " + size + " bytes, at most " + limits.maxMessageSize() + " accepted";
                case HEADER_TOO_BIG -> "5.3.4 Header section too big: more than " + limits.maxHeaderSize() + " bytes";
                case NUL -> "5.6.0 NUL character in the message text, refused";
                case BARE_LF ->
                    "5.6.11 Bare LF in the message text (line endings must be CRLF, RFC 5321 2.3.8), refused";
                case BARE_CR ->
                    "5.6.11 Bare CR in the message text (line endings must be CRLF, RFC 5321 2.3.8), refused";
                case LINE_TOO_LONG -> "5.6.0 Line too long: more than " + limits.maxLineLength() + " bytes, refused";
                case NO_MEMORY -> "4.3.1 Insufficient system resources for the message now, try again later";
                case SPOOL_ERROR -> "4.3.0 Temporary local error while queueing, try again later";
            };
        }
    }

    /** Bytes read from the input per step; also the read limit of each mark. */
    static final int CHUNK = 8192;

    private static final int MIN_CAPACITY = 16 * 1024;
    /** The lease a message needs at least (its smallest buffer, twice). */
    static final long MIN_LEASE = 2L * MIN_CAPACITY;

    private static final int MAX_PRESIZE = 1 << 20;
    private static final byte[] DOT_BYTE = {'.'};
    /** Least staging room after the header section once the text goes to a tail. */
    private static final int STAGING = 64 * 1024;

    // states of the machine
    private static final int TEXT = 0; // inside a line
    private static final int CR = 1; // after a CR, undecided
    private static final int LINE_START = 2; // at the start of a line
    private static final int DOT = 3; // a dot at the start of a line
    private static final int DOT_CR = 4; // a dot at the start of a line, then CR

    private final Limits limits;
    private final boolean dotStuffed;
    private int state = LINE_START;
    /** The current line began after a real CRLF (or at the start): only there can a dot end the data. */
    private boolean protocolLineStart = true;

    private byte[] buf;
    private int length;
    private long size;
    private int lineLength;
    private int lineStartPos;
    private boolean inHeaders = true;
    private long headerBytes;
    private Violation violation;
    private final Overflow overflow; // null: all in memory, bounded by the message size limit
    private int headerEnd = -1; // end of the header section in buf, once known
    private Tail tail; // once the text goes to a tail
    private boolean truncated;

    private DataReader(Limits limits, boolean dotStuffed, long sizeHint, Overflow overflow) {
        this(limits, dotStuffed, sizeHint, overflow, -1);
    }

    /**
     * {@code whole}: the whole text is known to take at most this many bytes (at most
     * {@link #MIN_CAPACITY}), so the buffer starts at that size; -1 when unknown.
     */
    private DataReader(Limits limits, boolean dotStuffed, long sizeHint, Overflow overflow, int whole) {
        this.limits = limits;
        this.dotStuffed = dotStuffed;
        this.overflow = overflow;
        long want = sizeHint > 0 ? sizeHint + sizeHint / 16 + 1024 : MIN_CAPACITY;
        long min = whole >= 0 && whole <= MIN_CAPACITY ? whole : MIN_CAPACITY;
        long cap = min < MIN_CAPACITY
                ? Math.min(min, limits.maxMessageSize() + 2)
                : Math.max(MIN_CAPACITY, Math.min(Math.min(want, MAX_PRESIZE), limits.maxMessageSize() + 2));
        if (overflow != null) {
            cap = Math.max(Math.min(min, cap), Math.min(cap, overflow.threshold()));
            if (!overflow.lease().ensure(2 * cap)) cap = MIN_CAPACITY;
            if (!overflow.lease().ensure(2 * cap)) {
                this.buf = new byte[0];
                problem(Violation.NO_MEMORY);
                return;
            }
        }
        this.buf = new byte[(int) cap];
    }

    /**
     * Reads dot-stuffed DATA text up to and including {@code <CRLF>.<CRLF>}, leaving whatever
     * follows in {@code in}. {@code sizeHint} (the SIZE the client declared, 0 if none) only
     * presizes the buffer, at most 1 MiB.
     *
     * @throws EOFException if the stream ends before the end-of-data marker
     */
    public static Result readData(InputStream in, Limits limits, long sizeHint) throws IOException {
        return readData(in, limits, sizeHint, null);
    }

    /**
     * As {@link #readData(InputStream, Limits, long)} within {@code overflow} (null: no bound but
     * the limits). On an exception the tail, if any, is aborted.
     */
    static Result readData(InputStream in, Limits limits, long sizeHint, Overflow overflow) throws IOException {
        int whole = -1;
        if (in instanceof SessionInput s) {
            // usually the first read holds the whole text, ending with the end-of-data marker: its
            // text (un-stuffed, without the marker) is no longer, so the buffer need not be either
            int n = s.fill();
            if (n < 0) throw new EOFException("connection closed before the end of DATA");
            if (endsWithMarker(s.buffer(), s.position(), n)) whole = n;
        }
        DataReader r = new DataReader(limits, true, sizeHint, overflow, whole);
        try {
            return r.readDataFrom(in);
        } catch (IOException | RuntimeException e) {
            r.abort();
            throw e;
        }
    }

    private Result readDataFrom(InputStream in) throws IOException {
        DataReader r = this;
        if (in instanceof SessionInput s) {
            // scanned in the session's own buffer: no copy, nothing to push back
            while (true) {
                int n = s.fill();
                if (n < 0) throw new EOFException("connection closed before the end of DATA");
                int from = s.position();
                int end = r.feed(s.buffer(), from, from + n);
                if (end >= 0) {
                    s.skipBuffered(end - from);
                    return r.result();
                }
                s.skipBuffered(n);
            }
        }
        if (!in.markSupported()) {
            byte[] one = new byte[1];
            while (true) {
                int b = in.read();
                if (b < 0) throw new EOFException("connection closed before the end of DATA");
                one[0] = (byte) b;
                if (r.feed(one, 0, 1) >= 0) return r.result();
            }
        }
        byte[] chunk = new byte[CHUNK];
        while (true) {
            in.mark(CHUNK);
            int n = in.read(chunk, 0, CHUNK);
            if (n < 0) throw new EOFException("connection closed before the end of DATA");
            int end = r.feed(chunk, 0, n);
            if (end >= 0) {
                if (end < n) {
                    // pipelined commands follow the marker: give them back to the command reader
                    in.reset();
                    in.skipNBytes(end);
                }
                return r.result();
            }
        }
    }

    /** Whether {@code b[from, from + n)} ends with {@code <CRLF>.<CRLF>}. */
    static boolean endsWithMarker(byte[] b, int from, int n) {
        int e = from + n;
        return n >= 5
                && b[e - 5] == '\r'
                && b[e - 4] == '\n'
                && b[e - 3] == '.'
                && b[e - 2] == '\r'
                && b[e - 1] == '\n';
    }

    /** Reads text that is not dot-stuffed (BDAT chunks) until the stream ends. */
    public static Result readAll(InputStream in, Limits limits) throws IOException {
        return readAll(in, limits, null);
    }

    /** As {@link #readAll(InputStream, Limits)} within {@code overflow} (null: no bound but the limits). */
    static Result readAll(InputStream in, Limits limits, Overflow overflow) throws IOException {
        DataReader r = new DataReader(limits, false, 0, overflow);
        try {
            byte[] chunk = new byte[CHUNK];
            int n;
            while ((n = in.read(chunk, 0, CHUNK)) >= 0) r.feed(chunk, 0, n);
            r.finish();
            return r.result();
        } catch (IOException | RuntimeException e) {
            r.abort();
            throw e;
        }
    }

    /** Reads a complete dot-stuffed DATA text from memory (tests, benchmarks). */
    public static Result readData(byte[] wire, Limits limits) {
        DataReader r = new DataReader(limits, true, wire.length, null);
        if (r.feed(wire, 0, wire.length) < 0) throw new IllegalArgumentException("no <CRLF>.<CRLF> in the input");
        return r.result();
    }

    /**
     * A step of the machine over {@code s[off, end)}. Returns the index just after the
     * end-of-data marker, or -1 when more input is needed.
     */
    int feed(byte[] s, int off, int end) {
        int i = off;
        while (i < end) {
            switch (state) {
                case TEXT -> {
                    int j = lineBreak(s, i, end);
                    while (j < end) {
                        byte b = s[j];
                        if (b == '\r' || b == '\n' || b == 0) break;
                        j++;
                    }
                    if (j > i) content(s, i, j - i);
                    if (j == end) return -1;
                    byte b = s[j];
                    i = j + 1;
                    if (b == '\r') state = CR;
                    else if (b == '\n') bareLineEnd(Violation.BARE_LF);
                    else {
                        problem(Violation.NUL);
                        content(s, j, 1);
                    }
                }
                case CR -> {
                    if (s[i] == '\n') {
                        i++;
                        lineEnd(true);
                    } else {
                        bareLineEnd(Violation.BARE_CR); // s[i] is read again at the start of a line
                    }
                }
                case LINE_START -> {
                    if (dotStuffed && s[i] == '.') {
                        i++;
                        state = DOT;
                    } else {
                        state = TEXT;
                    }
                }
                case DOT -> {
                    byte b = s[i];
                    if (b == '\r') {
                        i++;
                        state = DOT_CR;
                    } else {
                        // a line "." ended by a bare LF keeps its dot; any other text after a leading dot
                        // means the dot was stuffed (RFC 5321 4.5.2) and is removed
                        if (b == '\n') contentDot();
                        state = TEXT;
                    }
                }
                case DOT_CR -> {
                    if (s[i] == '\n') {
                        i++;
                        if (protocolLineStart) return i; // <CRLF>.<CRLF>
                        contentDot();
                        lineEnd(true);
                    } else {
                        contentDot();
                        bareLineEnd(Violation.BARE_CR);
                    }
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }
        return -1;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long CRS = '\r' * ONES;
    private static final long LFS = '\n' * ONES;

    /**
     * Skips the bytes of {@code s[from, end)} that are neither CR, LF nor NUL eight at a time (SWAR):
     * the index of the first such byte, or of the last up to seven bytes to look at one by one.
     */
    static int lineBreak(byte[] s, int from, int end) {
        int j = from;
        for (; j + 8 <= end; j += 8) {
            long x = (long) LONGS.get(s, j);
            long cr = x ^ CRS;
            long lf = x ^ LFS;
            // a zero byte of x, cr or lf is a hit; the lowest flagged byte of each is a real one
            long t = ((x - ONES) & ~x | (cr - ONES) & ~cr | (lf - ONES) & ~lf) & HIGHS;
            if (t != 0) return j + (Long.numberOfTrailingZeros(t) >>> 3);
        }
        return j;
    }

    /** End of a BDAT stream: a pending CR is bare, and the last line counts. */
    private void finish() {
        if (state == CR) bareLineEnd(Violation.BARE_CR);
        if (lineLength > 0) headerLineEnd();
    }

    private Result result() {
        if (tail != null && violation == null) flushTail();
        return new Result(
                violation == null ? buf : new byte[0],
                violation == null ? length : 0,
                size,
                violation,
                limits,
                violation == null ? tail : null,
                violation == null && truncated);
    }

    private void problem(Violation v) {
        if (violation == null) {
            violation = v;
            buf = null; // nothing of a refused message is kept
            length = 0;
            abort();
        }
    }

    /** Discards the tail, if any. */
    private void abort() {
        if (tail != null) {
            Tail t = tail;
            tail = null;
            t.close();
        }
    }

    private void contentDot() {
        content(DOT_BYTE, 0, 1);
    }

    /** Message text {@code s[from, from + n)} inside a line. */
    private void content(byte[] s, int from, int n) {
        size += n;
        lineLength += n;
        if (violation != null) return;
        if (size > limits.maxMessageSize()) {
            problem(Violation.TOO_BIG);
        } else if (lineLength > limits.maxLineLength()) {
            problem(Violation.LINE_TOO_LONG);
        } else if (!truncated && (length + n <= buf.length || room(n))) {
            System.arraycopy(s, from, buf, length, n);
            length += n;
        }
    }

    private void bareLineEnd(Violation v) {
        if (!limits.normalize()) problem(v);
        lineEnd(false);
    }

    /** A line ends: CRLF goes into the text (a bare ending only when normalizing). */
    private void lineEnd(boolean crlf) {
        headerLineEnd();
        size += 2;
        if (violation == null) {
            if (size > limits.maxMessageSize()) {
                problem(Violation.TOO_BIG);
            } else if (!truncated && (length + 2 <= buf.length || room(2))) {
                buf[length++] = '\r';
                buf[length++] = '\n';
            }
        }
        lineLength = 0;
        lineStartPos = length;
        protocolLineStart = crlf;
        state = LINE_START;
    }

    /** Header-section accounting at the end of a line. */
    private void headerLineEnd() {
        if (!inHeaders) return;
        if (lineLength == 0 || (violation == null && !isFieldLine())) {
            inHeaders = false; // an empty line, or a line that is no header field, ends the section
            headerEnd = lineStartPos;
            return;
        }
        headerBytes += lineLength + 2;
        if (headerBytes > limits.maxHeaderSize()) problem(Violation.HEADER_TOO_BIG);
    }

    /** Whether the line just read continues a field or starts one ("name:"), as {@link HeaderBlock} reads it. */
    private boolean isFieldLine() {
        byte first = buf[lineStartPos];
        if ((first == ' ' || first == '\t') && headerBytes > 0) return true;
        for (int i = lineStartPos; i < length; i++) if (buf[i] == ':') return i > lineStartPos;
        return false;
    }

    /**
     * Makes room for {@code n} more bytes in the buffer (it has less): grows it, or writes the
     * staging area out to the tail, or starts the tail. False when the bytes are not to be kept
     * (a problem was found, or the text is truncated from here).
     */
    private boolean room(int n) {
        if (tail != null) {
            flushTail();
            return violation == null && (length + n <= buf.length || grow(n, false));
        }
        long need = (long) length + n;
        if (overflow != null && headerEnd >= 0 && need > overflow.threshold()) return overflowStarts(n);
        if (grow(n, true)) return true;
        if (violation != null) return false;
        if (headerEnd >= 0) return overflowStarts(n); // out of memory budget: to the tail
        problem(Violation.NO_MEMORY); // the header section must stay in memory
        return false;
    }

    /** Grows the buffer for {@code n} more bytes within the lease; {@code bounded}: only up to the threshold. */
    private boolean grow(int n, boolean bounded) {
        long need = (long) length + n;
        long cap = Math.max(need, (long) buf.length * 2);
        cap = Math.min(cap, Math.max(limits.maxMessageSize() + 2, need));
        if (overflow != null) {
            if (bounded && need <= overflow.threshold()) cap = Math.min(cap, Math.max(need, overflow.threshold()));
            if (!overflow.lease().ensure(2 * cap)) {
                cap = need;
                if (!overflow.lease().ensure(2 * cap)) {
                    if (!bounded) overflow.lease().force(2 * cap); // staging room, bounded by the header limit
                    else return false;
                }
            }
        }
        buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, Integer.MAX_VALUE - 8));
        return true;
    }

    /** The text no longer fits in memory (header section complete): start the tail, or truncate. */
    private boolean overflowStarts(int n) {
        if (overflow.spill() == null) {
            truncated = true;
            return false;
        }
        try {
            tail = overflow.spill().open(buf, headerEnd);
        } catch (IOException | RuntimeException e) {
            problem(Violation.SPOOL_ERROR);
            return false;
        }
        if (buf.length - headerEnd < STAGING) {
            overflow.lease().force(2L * (headerEnd + STAGING));
            buf = java.util.Arrays.copyOf(buf, headerEnd + STAGING);
        }
        flushTail();
        return violation == null && (length + n <= buf.length || grow(n, false));
    }

    /** Writes the staging area {@code buf[headerEnd, length)} to the tail. */
    private void flushTail() {
        if (length == headerEnd) return;
        try {
            tail.write(buf, headerEnd, length - headerEnd);
        } catch (IOException | RuntimeException e) {
            problem(Violation.SPOOL_ERROR);
            return;
        }
        length = headerEnd;
        lineStartPos = headerEnd;
    }
}
