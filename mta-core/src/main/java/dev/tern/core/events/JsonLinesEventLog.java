package dev.tern.core.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends events to a JSON-lines file from one writer thread, so that publishers never wait
 * for the disk. Lines are flushed at least every 200 ms and on close; a busy log writes in batches
 * gathered over {@link #LINGER_NANOS}. Lines are built by {@link EventJson} (Jackson's streaming generator).
 *
 * <p>Each line starts with {@code "seq"}, a number that grows by one per event over the life of
 * the log (it continues after a restart), so consumers can detect gaps and duplicates.
 *
 * <p>Rotation: when the active file reaches {@link Rotation#maxBytes()} or its first event is
 * {@link Rotation#maxAge()} old, it is renamed to {@code <log>.<segment>-<start time>} (segment =
 * 6+ digit number, growing), a new active file is started, and the closed one is gzipped in the
 * background to {@code <log>.<segment>-<start time>.gz}; only the newest {@link Rotation#keep()}
 * closed segments are kept. The active file's segment number is one more than the newest closed
 * one. {@link EventLogReader} reads across segments from a (segment, offset) position.
 */
public final class JsonLinesEventLog implements EventSink {
    private static final Logger log = LoggerFactory.getLogger(JsonLinesEventLog.class);
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    /**
     * How long the writer waits after the first event of a batch before taking the batch: under
     * load one wake-up and one write then carry many events (publishers do not wake the writer for
     * each); an event reaches the file at most this much later.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private static final Event POISON = Event.of(EventType.RECEPTION, "", "").build();
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * When to rotate the active file.
     *
     * @param maxBytes rotate at this size (0 = never by size)
     * @param maxAge   rotate when the active file's first event is this old (zero = never by time)
     * @param keep     closed segments kept (at least 1)
     */
    public record Rotation(long maxBytes, Duration maxAge, int keep) {
        public static final Rotation NONE = new Rotation(0, Duration.ZERO, Integer.MAX_VALUE);

        public Rotation {
            if (keep < 1) throw new IllegalArgumentException("keep must be >= 1");
        }
    }

    /** A segment file located for reading. */
    record Segment(long number, Path path, boolean gzip, boolean active) {}

    private final Path file;
    private final Rotation rotation;
    private final Clock clock;
    private final Pattern rotatedName;
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final ExecutorService compressor;
    private final Object segmentLock = new Object();
    private OutputStream out;
    private long activeBytes;
    private long segmentStart; // epoch millis of the active file's first event, or -1 while empty
    private volatile long activeSegment;
    private volatile long lastSeq;
    private volatile long lastWriteMillis;

    public JsonLinesEventLog(Path file) {
        this(file, Rotation.NONE, Clock.systemUTC());
    }

    public JsonLinesEventLog(Path file, Rotation rotation, Clock clock) {
        this.file = file.toAbsolutePath();
        this.rotation = rotation;
        this.clock = clock;
        this.rotatedName = Pattern.compile(
                Pattern.quote(this.file.getFileName().toString()) + "\\.(\\d{6,})-(\\d{8}T\\d{6}Z)(\\.gz)?");
        compressor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("tern-event-log-gzip").daemon(true).factory());
        try {
            Files.createDirectories(this.file.getParent());
            TreeMap<Long, Path> closed = closedSegments();
            activeSegment = closed.isEmpty() ? 1 : closed.lastKey() + 1;
            for (Path p : closed.values()) {
                if (!p.getFileName().toString().endsWith(".gz"))
                    compressor.execute(() -> compress(p)); // left by a crash
            }
            activeBytes = Files.exists(this.file) ? Files.size(this.file) : 0;
            segmentStart = activeBytes > 0 ? firstEventMillis(this.file) : -1;
            lastSeq = recoverLastSeq(closed);
            out = open();
            if (activeBytes > 0 && !endsWithNewline(this.file)) {
                out.write('\n'); // a line cut short by a crash stays a line of its own (readers skip it)
                out.flush();
                activeBytes++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().name("tern-event-log").daemon(true).start(this::run);
    }

    public Path file() {
        return file;
    }

    /** Sequence number of the last event written and flushed to the file (0 if none ever). */
    public long lastSeq() {
        return lastSeq;
    }

    /** Time of the last flush that wrote events (epoch millis, 0 if none since start). */
    public long lastWriteMillis() {
        return lastWriteMillis;
    }

    /** Number of the active (growing) segment. */
    public long activeSegment() {
        return activeSegment;
    }

    /** Numbers of all segments present, oldest first (closed ones and the active one). */
    public List<Long> segments() {
        synchronized (segmentLock) {
            List<Long> out = new ArrayList<>(closedSegments().keySet());
            out.add(activeSegment);
            return out;
        }
    }

    /**
     * Opens segment {@code number} for reading, under the lock that rotation takes, so the file
     * cannot be renamed between finding and opening it. Empty when the segment no longer exists.
     */
    Optional<InputStream> open(long number) throws IOException {
        synchronized (segmentLock) {
            if (number == activeSegment) {
                return Files.exists(file)
                        ? Optional.of(Files.newInputStream(file))
                        : Optional.of(InputStream.nullInputStream());
            }
            Path p = closedSegments().get(number);
            for (int attempt = 0; p != null && attempt < 3; attempt++) {
                try {
                    InputStream in = Files.newInputStream(p);
                    return Optional.of(
                            p.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
                } catch (java.nio.file.NoSuchFileException e) {
                    p = closedSegments().get(number); // compressed meanwhile
                }
            }
            return Optional.empty();
        }
    }

    /** The closed segments present on disk by number (the uncompressed file if both exist). */
    private TreeMap<Long, Path> closedSegments() {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (var files = Files.list(file.getParent())) {
            files.forEach(p -> {
                Matcher m = rotatedName.matcher(p.getFileName().toString());
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    if (m.group(3) == null || !out.containsKey(n)) out.put(n, p);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list event log directory " + file.getParent(), e);
        }
        return out;
    }

    @Override
    public void accept(Event event) {
        queue.add(event);
    }

    private OutputStream open() throws IOException {
        return new BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16);
    }

    private void run() {
        List<Event> batch = new ArrayList<>();
        EventJson lines = new EventJson();
        boolean stop = false;
        while (!stop) {
            try {
                Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    // a busy log: let the next events gather, so that one wake-up and one write carry many
                    if (LINGER_NANOS > 0) TimeUnit.NANOSECONDS.sleep(LINGER_NANOS);
                    batch.add(first);
                    queue.drainTo(batch, 4096);
                }
                long seq = lastSeq;
                for (Event e : batch) {
                    if (e == POISON) {
                        stop = true;
                        continue;
                    }
                    long now = clock.millis();
                    if (dueForRotation(now)) {
                        out.flush();
                        lastSeq = seq;
                        rotate();
                    }
                    lines.line(e, seq + 1);
                    out.write(lines.bytes(), 0, lines.length());
                    activeBytes += lines.length();
                    seq++;
                    if (segmentStart < 0) segmentStart = now;
                }
                if (!batch.isEmpty()) lastWriteMillis = clock.millis();
                batch.clear();
                out.flush();
                lastSeq = seq;
                if (!stop && dueForRotation(clock.millis())) rotate(); // an idle log still rotates by time
            } catch (InterruptedException e) {
                stop = true;
            } catch (IOException e) {
                log.error("writing event log {} failed: {}", file, e.toString());
                batch.clear();
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            log.error("closing event log {} failed: {}", file, e.toString());
        }
    }

    private boolean dueForRotation(long now) {
        if (activeBytes == 0) return false;
        if (rotation.maxBytes() > 0 && activeBytes >= rotation.maxBytes()) return true;
        long age = rotation.maxAge().toMillis();
        return age > 0 && segmentStart >= 0 && now - segmentStart >= age;
    }

    private void rotate() throws IOException {
        Path closed;
        synchronized (segmentLock) {
            out.close();
            long start = segmentStart < 0 ? clock.millis() : segmentStart;
            closed = file.resolveSibling(file.getFileName() + "." + String.format("%06d", activeSegment) + "-"
                    + STAMP.format(Instant.ofEpochMilli(start)));
            Files.move(file, closed, StandardCopyOption.ATOMIC_MOVE);
            out = open();
            activeBytes = 0;
            segmentStart = -1;
            activeSegment = activeSegment + 1;
        }
        compressor.execute(() -> compress(closed));
    }

    private void compress(Path plain) {
        Path gz = plain.resolveSibling(plain.getFileName() + ".gz");
        Path tmp = plain.resolveSibling(plain.getFileName() + ".gz.tmp");
        try {
            try (InputStream in = Files.newInputStream(plain);
                    OutputStream o = new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                in.transferTo(o);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            synchronized (segmentLock) {
                Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE);
                Files.delete(plain);
            }
            prune();
        } catch (IOException e) {
            log.error("compressing event log segment {} failed: {}", plain, e.toString());
        }
    }

    private void prune() throws IOException {
        synchronized (segmentLock) {
            TreeMap<Long, Path> closed = closedSegments();
            while (closed.size() > rotation.keep()) {
                Path oldest = closed.pollFirstEntry().getValue();
                Files.deleteIfExists(oldest);
                log.info("deleted old event log segment {}", oldest.getFileName());
            }
        }
    }

    /** The seq of the newest event on disk: the active file's last line, else the newest closed segment's. */
    private long recoverLastSeq(TreeMap<Long, Path> closed) throws IOException {
        if (activeBytes > 0) {
            Long s = lastSeqIn(file, false);
            if (s != null) return s;
        }
        for (Path p : closed.descendingMap().values()) {
            Long s = lastSeqIn(p, p.getFileName().toString().endsWith(".gz"));
            if (s != null) return s;
        }
        return 0;
    }

    private static Long lastSeqIn(Path p, boolean gzip) throws IOException {
        byte[] tail;
        if (gzip) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                tail = in.readAllBytes();
            }
        } else {
            try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.READ)) {
                long size = ch.size();
                int n = (int) Math.min(size, 1 << 20);
                var buf = java.nio.ByteBuffer.allocate(n);
                ch.read(buf, size - n);
                tail = buf.array();
            }
        }
        int end = tail.length;
        while (end > 0) {
            int nl = end - 1;
            while (nl >= 0 && tail[nl] != '\n') nl--;
            long seq = seqOf(tail, nl + 1, end);
            if (seq > 0) return seq;
            end = nl;
        }
        return null;
    }

    private static boolean endsWithNewline(Path p) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.READ)) {
            var b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, ch.size() - 1);
            return b.get(0) == '\n';
        }
    }

    /** The seq of a line ({@code {"seq":N,...}}) starting at {@code from}, or -1. */
    static long seqOf(byte[] b, int from, int to) {
        byte[] p = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
        if (to - from < p.length + 1) return -1;
        for (int i = 0; i < p.length; i++) if (b[from + i] != p[i]) return -1;
        long v = 0;
        int i = from + p.length;
        int digits = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9' && digits < 18) {
            v = v * 10 + (b[i] - '0');
            i++;
            digits++;
        }
        return digits == 0 ? -1 : v;
    }

    private long firstEventMillis(Path p) {
        try (var r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            JsonNode t = line == null ? null : JSON.readTree(line).get("time");
            if (t != null) return Instant.parse(t.asText()).toEpochMilli();
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read the first event time of {}: {}", p, e.toString());
        }
        return clock.millis();
    }

    @Override
    public void close() {
        queue.add(POISON);
        try {
            writer.join(10_000);
            compressor.shutdown();
            compressor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
