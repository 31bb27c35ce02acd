package dev.tern.bench.soak;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a JVM {@code -Xlog:gc} file incrementally and reports the heap occupancy after the
 * collections logged since the last call: ZGC's {@code "GC(4) Minor Collection (...) 882M(86%)->70M(7%)"},
 * G1's {@code "GC(3) Pause Young (Normal) (G1 Evacuation Pause) 51M->3M(1024M) 2.518ms"}.
 * The smallest such value in an interval is the closest this log gets to the live set.
 */
final class GcLog {
    private static final Pattern AFTER = Pattern.compile("\\d+M(?:\\(\\d+%\\))?->(\\d+)M\\(");

    /** Collections since the last poll and the smallest heap after one of them (NaN if none). */
    record Interval(int collections, double minAfterMiB) {}

    private final Path file;
    private long offset;
    private final StringBuilder partial = new StringBuilder();

    GcLog(Path file) {
        this.file = file;
    }

    Interval poll() throws IOException {
        int n = 0;
        double min = Double.NaN;
        if (file == null || !Files.exists(file)) return new Interval(0, Double.NaN);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (len < offset) offset = 0;
            f.seek(offset);
            byte[] buf = new byte[(int) Math.min(1 << 20, len - offset)];
            int r = buf.length == 0 ? 0 : f.read(buf);
            if (r > 0) {
                offset += r;
                partial.append(new String(buf, 0, r, StandardCharsets.UTF_8));
            }
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            Matcher m = AFTER.matcher(line);
            if (m.find()) {
                n++;
                double v = Double.parseDouble(m.group(1));
                min = Double.isNaN(min) ? v : Math.min(min, v);
            }
        }
        return new Interval(n, min);
    }
}
