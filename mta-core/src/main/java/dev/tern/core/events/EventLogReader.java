package dev.tern.core.events;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads complete lines of a {@link JsonLinesEventLog} in order from a position (segment,
 * uncompressed byte offset), following rotation: a closed segment is read to its end, then
 * the next one. A line still being written (no newline yet) is left for a later call.
 * Not thread-safe: one reader per consumer.
 */
public final class EventLogReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLogReader.class);

    /** One event line (without the newline) and the position just after it. */
    public record Line(byte[] json, long seq, long segment, long nextOffset) {
        /** The event's {@code time} in epoch milliseconds; {@code clock}'s now when it has none or it is unreadable. */
        public long eventMillis(java.time.Clock clock) {
            try {
                var t = JsonLinesEventLog.JSON.readTree(json).get("time");
                if (t != null) return java.time.Instant.parse(t.asText()).toEpochMilli();
            } catch (java.io.IOException | RuntimeException e) {
                // fall through: the reader's clock
            }
            return clock.millis();
        }
    }

    private final JsonLinesEventLog eventLog;
    private long segment;
    private long offset; // of the first byte not yet returned (start of buf[start])
    private InputStream in;
    private byte[] buf = new byte[1 << 16];
    private int start;
    private int end;

    public EventLogReader(JsonLinesEventLog eventLog, long segment, long offset) {
        this.eventLog = eventLog;
        this.segment = segment;
        this.offset = offset;
    }

    /** Position of the next line to read. */
    public long segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    /** Up to {@code max} further complete lines; fewer (or none) when the reader is caught up. */
    public List<Line> read(int max) throws IOException {
        List<Line> lines = new ArrayList<>();
        while (lines.size() < max) {
            if (takeLines(lines, max)) continue;
            if (in == null && !openCurrent()) return lines;
            int n = fill();
            if (n > 0) continue;
            // end of what is on disk: the segment may have been closed since we last looked
            if (segment < eventLog.activeSegment()) {
                if (fill() > 0) continue; // rotation flushed the last lines before switching segments
                if (end > start) log.warn("event log segment {} ends with an incomplete line; skipped", segment);
                nextSegment();
                continue;
            }
            return lines;
        }
        return lines;
    }

    private boolean takeLines(List<Line> lines, int max) {
        boolean any = false;
        while (lines.size() < max) {
            int nl = -1;
            for (int i = start; i < end; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl < 0) return any;
            int len = nl - start;
            long next = offset + len + 1;
            if (len > 1 && buf[start] == '{' && buf[nl - 1] == '}') {
                lines.add(new Line(
                        Arrays.copyOfRange(buf, start, nl), JsonLinesEventLog.seqOf(buf, start, nl), segment, next));
            } else if (len > 0) {
                log.warn("skipping a malformed event log line in segment {} at offset {}", segment, offset);
            }
            offset = next;
            start = nl + 1;
            any = true;
        }
        return any;
    }

    private int fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a very long line
        int n = in.read(buf, end, buf.length - end);
        if (n > 0) end += n;
        return n;
    }

    private boolean openCurrent() throws IOException {
        while (true) {
            Optional<InputStream> s = eventLog.open(segment);
            if (s.isPresent()) {
                in = s.get();
                start = end = 0;
                try {
                    in.skipNBytes(offset);
                } catch (java.io.EOFException e) {
                    log.warn(
                            "event log segment {} is shorter than the saved offset {}; reading it from its start",
                            segment,
                            offset);
                    closeStream();
                    offset = 0;
                    continue;
                }
                return true;
            }
            long active = eventLog.activeSegment();
            if (segment >= active) return false;
            long next = eventLog.segments().stream()
                    .filter(n -> n > segment)
                    .findFirst()
                    .orElse(active);
            log.warn("event log segment {} is gone (deleted by retention?); continuing with segment {}", segment, next);
            segment = next;
            offset = 0;
        }
    }

    private void nextSegment() throws IOException {
        closeStream();
        segment++;
        offset = 0;
        start = end = 0;
    }

    private void closeStream() throws IOException {
        if (in != null) in.close();
        in = null;
    }

    @Override
    public void close() throws IOException {
        closeStream();
    }
}
