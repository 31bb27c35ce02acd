package dev.tern.bench.soak;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The three checks of the soak over its samples: nothing lost (sink + bounced + still queued ==
 * injected), memory flat (first vs last third of the soak phase, and the least-squares slope),
 * latency without drift (p99 of the first vs the last soak interval).
 *
 * <p>Memory is the smallest heap occupancy after a collection in each interval that had one (from
 * the GC log; at least 3 such intervals), otherwise the heap in use at each scrape.
 * Rules: memory is FLAT when the mean of the last third exceeds the mean of the first third by
 * at most max(32 MiB, 25 %); latency is STABLE when the last interval's p99 is at most
 * max(2 x the first interval's p99, first + 50 ms).
 */
record SoakVerdict(
        long injected,
        long delivered,
        long bounced,
        long queued,
        long difference,
        boolean countsOk,
        String memorySeries,
        double memFirstThirdMiB,
        double memLastThirdMiB,
        double memSlopeMiBPerMin,
        boolean memoryFlat,
        double p99FirstMs,
        double p99LastMs,
        double p99MedianFirstThirdMs,
        double p99MedianLastThirdMs,
        boolean latencyStable) {

    static SoakVerdict of(List<Sample> samples, long injected, long delivered, long bounced, long queued) {
        List<Sample> soak =
                samples.stream().filter(s -> s.phase().equals("soak")).toList();
        long diff = delivered + bounced + queued - injected;
        // memory: heap after GC (GC log) where collections ran; without any, heap used at the scrapes
        List<Sample> gcs =
                soak.stream().filter(s -> !Double.isNaN(s.heapAfterGcMiB())).toList();
        boolean afterGc = gcs.size() >= 3;
        List<Sample> memSamples = afterGc ? gcs : soak;
        ToDoubleFunction<Sample> mem = afterGc ? Sample::heapAfterGcMiB : Sample::heapUsedMiB;
        int third = Math.max(1, memSamples.size() / 3);
        double first = mean(memSamples.subList(0, Math.min(third, memSamples.size())), mem);
        double last = mean(memSamples.subList(Math.max(0, memSamples.size() - third), memSamples.size()), mem);
        double slope = slopePerMinute(memSamples, mem);
        boolean flat = !(last - first > Math.max(32, 0.25 * first));
        List<Sample> withLat =
                soak.stream().filter(s -> !Double.isNaN(s.p99Ms())).toList();
        double p99First = withLat.isEmpty() ? Double.NaN : withLat.get(0).p99Ms();
        double p99Last =
                withLat.isEmpty() ? Double.NaN : withLat.get(withLat.size() - 1).p99Ms();
        int lt = Math.max(1, withLat.size() / 3);
        double medFirst = median(withLat.subList(0, Math.min(lt, withLat.size())));
        double medLast = median(withLat.subList(Math.max(0, withLat.size() - lt), withLat.size()));
        boolean stable = !(p99Last > Math.max(2 * p99First, p99First + 50));
        return new SoakVerdict(
                injected,
                delivered,
                bounced,
                queued,
                diff,
                diff == 0,
                afterGc ? "heap after GC (" + gcs.size() + " intervals with collections)" : "heap used at the scrapes",
                first,
                last,
                slope,
                flat,
                p99First,
                p99Last,
                medFirst,
                medLast,
                stable);
    }

    private static double mean(List<Sample> l, ToDoubleFunction<Sample> f) {
        return l.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static double median(List<Sample> l) {
        double[] a = l.stream().mapToDouble(Sample::p99Ms).sorted().toArray();
        if (a.length == 0) return Double.NaN;
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double slopePerMinute(List<Sample> l, ToDoubleFunction<Sample> f) {
        int n = l.size();
        if (n < 2) return Double.NaN;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Sample s : l) {
            double x = s.seconds() / 60.0;
            double y = f.applyAsDouble(s);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double d = n * sxx - sx * sx;
        return d == 0 ? Double.NaN : (n * sxy - sx * sy) / d;
    }

    /** The verdict as text lines for the console and the results file. */
    List<String> lines() {
        return List.of(
                String.format(
                        Locale.ROOT,
                        "counts:  injected %d = delivered %d + bounced %d + still queued %d %s",
                        injected,
                        delivered,
                        bounced,
                        queued,
                        countsOk
                                ? "-> PASS (nothing lost)"
                                : "-> FAIL: difference " + (difference > 0 ? "+" : "") + difference),
                String.format(
                        Locale.ROOT,
                        "memory:  %s, mean of first third %.1f MiB, last third %.1f MiB, slope %+.2f MiB/min -> %s",
                        memorySeries,
                        memFirstThirdMiB,
                        memLastThirdMiB,
                        memSlopeMiBPerMin,
                        memoryFlat ? "FLAT" : "GROWING"),
                String.format(
                        Locale.ROOT,
                        "latency: p99 first interval %.1f ms, last interval %.1f ms (median of per-interval p99:"
                                + " first third %.1f ms, last third %.1f ms) -> %s",
                        p99FirstMs,
                        p99LastMs,
                        p99MedianFirstThirdMs,
                        p99MedianLastThirdMs,
                        latencyStable ? "STABLE" : "DRIFT"));
    }
}
