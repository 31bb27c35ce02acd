package dev.tern.core.console;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * What the overview shows from the metrics registry: recipient counters by outcome (totals and
 * rates from periodic samples) and the delivery latency histogram.
 */
final class ConsoleMetrics {
    /** Outcomes shown, in order. */
    static final List<String> OUTCOMES =
            List.of("injected", "delivered", "deferred", "bounced", "expired", "complained", "suppressed");

    /** Delivery latency since start, in seconds; quantiles from the histogram's bucket bounds. */
    record Latency(long count, double mean, double max, OptionalDouble p50, OptionalDouble p90, OptionalDouble p99) {}

    private final MeterRegistry registry;
    private final Clock clock;
    private final RateWindow window = new RateWindow(10 * 60_000);

    ConsoleMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** Takes a sample of the counters for the rates. */
    void sample() {
        try {
            window.add(new RateWindow.Sample(clock.millis(), totals()));
        } catch (RuntimeException e) {
            // a meter being registered meanwhile: the next sample will do
        }
    }

    RateWindow window() {
        return window;
    }

    /** Each outcome's counter summed over its tags (tern.recipients.* if present, else tern.messages.*). */
    Map<String, Double> totals() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String o : OUTCOMES) {
            double v = sum("tern.recipients." + o);
            if (Double.isNaN(v)) v = sum("tern.messages." + o);
            out.put(o, Double.isNaN(v) ? 0 : v);
        }
        return out;
    }

    private double sum(String name) {
        var meters = registry.find(name).meters();
        if (meters.isEmpty()) return Double.NaN;
        double total = 0;
        for (Meter m : meters) {
            for (Measurement ms : m.measure()) {
                if (ms.getStatistic() == Statistic.COUNT) total += ms.getValue();
            }
        }
        return total;
    }

    /** The delivery latency, or null if the timer does not exist. */
    Latency latency() {
        Timer t = registry.find("tern.delivery.latency").timer();
        if (t == null) return null;
        HistogramSnapshot h = t.takeSnapshot();
        return new Latency(
                h.count(),
                h.count() == 0 ? 0 : h.mean(TimeUnit.SECONDS),
                h.max(TimeUnit.SECONDS),
                quantile(h, 0.5),
                quantile(h, 0.9),
                quantile(h, 0.99));
    }

    /** The upper bound of the first bucket holding the q-th observation (cumulative bucket counts). */
    static OptionalDouble quantile(HistogramSnapshot h, double q) {
        long n = h.count();
        if (n == 0) return OptionalDouble.empty();
        double rank = Math.ceil(q * n);
        for (CountAtBucket b : h.histogramCounts()) {
            if (b.count() >= rank) return OptionalDouble.of(b.bucket(TimeUnit.SECONDS));
        }
        return OptionalDouble.of(h.max(TimeUnit.SECONDS));
    }
}
