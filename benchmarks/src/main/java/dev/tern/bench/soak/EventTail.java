package dev.tern.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Tern's JSON-lines event log incrementally (the soak config turns rotation off) and turns
 * it into reception-to-delivery latencies per sampling interval. A recipient that had a
 * {@code transient_failure} first counts as "retried": its latency includes the retry delay, so it
 * is kept apart from first-attempt deliveries.
 */
final class EventTail {
    /** Latencies of the deliveries read in one {@link #poll()}, in milliseconds. */
    record Interval(
            double[] firstAttemptMs,
            double[] retriedMs,
            long deliveries,
            long bounces,
            long transientFailures,
            long receptions) {
        double p50() {
            return percentile(firstAttemptMs, 50);
        }

        double p99() {
            return percentile(firstAttemptMs, 99);
        }

        double retriedP50() {
            return percentile(retriedMs, 50);
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Path log;
    private long offset;
    private final StringBuilder partial = new StringBuilder();
    private final Map<String, Double> receivedAt = new HashMap<>();
    private final Set<String> retried = new HashSet<>();
    private long totalDeliveries;
    private long totalBounces;
    private long totalTransient;
    private long totalReceptions;

    EventTail(Path log) {
        this.log = log;
    }

    /** Reads what was appended since the last call. */
    Interval poll() throws IOException {
        List<Double> first = new ArrayList<>();
        List<Double> again = new ArrayList<>();
        long d = totalDeliveries;
        long b = totalBounces;
        long t = totalTransient;
        long r = totalReceptions;
        if (Files.exists(log)) {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                long len = f.length();
                if (len < offset)
                    throw new IOException("event log " + log + " shrank (rotated?): the soak needs rotate_size: 0");
                byte[] buf = new byte[1 << 20];
                f.seek(offset);
                while (offset < len) {
                    int n = f.read(buf, 0, (int) Math.min(buf.length, len - offset));
                    if (n <= 0) break;
                    offset += n;
                    partial.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        String line = partial.substring(0, nl);
                        partial.delete(0, nl + 1);
                        event(line, first, again);
                    }
                }
            }
        }
        return new Interval(
                toArray(first),
                toArray(again),
                totalDeliveries - d,
                totalBounces - b,
                totalTransient - t,
                totalReceptions - r);
    }

    private void event(String line, List<Double> first, List<Double> again) throws IOException {
        if (line.isBlank()) return;
        JsonNode e = json.readTree(line);
        String type = e.path("type").asText();
        String key = e.path("message_id").asText() + ' ' + e.path("recipient").asText();
        double at = millis(e.path("time").asText());
        switch (type) {
            case "reception" -> {
                totalReceptions++;
                receivedAt.put(key, at);
            }
            case "transient_failure" -> {
                totalTransient++;
                retried.add(key);
            }
            case "delivery" -> {
                totalDeliveries++;
                Double r = receivedAt.remove(key);
                boolean wasRetried = retried.remove(key);
                if (r != null) (wasRetried ? again : first).add(at - r);
            }
            case "bounce", "expiration" -> {
                if (type.equals("bounce")) totalBounces++;
                receivedAt.remove(key);
                retried.remove(key);
            }
            default -> {}
        }
    }

    /** Receptions whose recipient has no final event yet. */
    int pending() {
        return receivedAt.size();
    }

    private static double millis(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1000.0 + i.getNano() / 1e6;
    }

    private static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        Arrays.sort(a);
        return a;
    }

    /** Nearest-rank percentile of an ascending array; NaN when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = Math.max(1, (int) Math.ceil(p / 100.0 * sorted.length));
        return sorted[rank - 1];
    }
}
