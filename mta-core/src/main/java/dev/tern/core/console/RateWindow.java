package dev.tern.core.console;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-second rates of monotonic counters from samples taken over time: the rate over a window
 * is (newest − the oldest sample at least that old) / elapsed time. Keeps samples for
 * {@code keepMillis}; times are supplied by the caller (tests use virtual time). Thread-safe.
 */
public final class RateWindow {
    /** One sample: when (epoch ms) and each counter's value. */
    public record Sample(long atMillis, Map<String, Double> values) {
        public Sample {
            values = Map.copyOf(values);
        }
    }

    /** Rates over a window: per counter name, per second; {@code seconds} is the span actually measured. */
    public record Rates(double seconds, Map<String, Double> perSecond) {}

    private final long keepMillis;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public RateWindow(long keepMillis) {
        if (keepMillis <= 0) throw new IllegalArgumentException("keepMillis must be > 0");
        this.keepMillis = keepMillis;
    }

    /** Adds a sample (ignored unless newer than the newest one) and drops samples older than the window. */
    public synchronized void add(Sample s) {
        if (!samples.isEmpty() && s.atMillis() <= samples.peekLast().atMillis()) return;
        samples.addLast(s);
        while (samples.size() > 2 && samples.peekFirst().atMillis() < s.atMillis() - keepMillis) {
            samples.removeFirst();
        }
    }

    /**
     * Rates over about the last {@code windowMillis}: from the newest sample back to the newest
     * sample at least that old (or the oldest one kept). Empty with fewer than two samples. A
     * counter that went down (a restart) counts as zero.
     */
    public synchronized Optional<Rates> rates(long windowMillis) {
        if (samples.size() < 2) return Optional.empty();
        Sample last = samples.peekLast();
        Sample from = samples.peekFirst();
        for (Sample s : List.copyOf(samples)) {
            if (s.atMillis() <= last.atMillis() - windowMillis) from = s;
            else break;
        }
        double seconds = (last.atMillis() - from.atMillis()) / 1000.0;
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : last.values().entrySet()) {
            double before = from.values().getOrDefault(e.getKey(), 0.0);
            out.put(e.getKey(), Math.max(0, e.getValue() - before) / seconds);
        }
        return Optional.of(new Rates(seconds, out));
    }
}
