package dev.tern.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate such as {@code 100/s}, {@code 600/min}, {@code 20000/h} or {@code 5/10s}: {@code count}
 * events per {@code per}.
 */
public record Rate(long count, Duration per) {
    private static final Pattern FORMAT =
            Pattern.compile("(\\d+)\\s*/\\s*(\\d*)\\s*(ms|s|sec|second|m|min|minute|h|hr|hour|d|day)");

    public Rate {
        if (count < 1) throw new IllegalArgumentException("a rate needs a count >= 1");
        if (per.isNegative() || per.isZero()) throw new IllegalArgumentException("a rate needs a positive period");
    }

    /** Parses {@code N/unit} or {@code N/<k><unit>} (units: s, min, h, d; also ms). */
    public static Rate parse(String text) {
        Matcher m = FORMAT.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a rate (examples: 100/s, 600/min, 20000/h, 5/10s): '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        long k = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration unit = switch (m.group(3)) {
            case "ms" -> Duration.ofMillis(1);
            case "s", "sec", "second" -> Duration.ofSeconds(1);
            case "m", "min", "minute" -> Duration.ofMinutes(1);
            case "h", "hr", "hour" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        return new Rate(n, unit.multipliedBy(k));
    }

    /** Nanoseconds between two events at this rate. */
    public long intervalNanos() {
        return Math.max(1, per.toNanos() / count);
    }

    @Override
    public String toString() {
        long s = per.toSeconds();
        String unit = s == 1 ? "s" : s == 60 ? "min" : s == 3600 ? "h" : s == 86_400 ? "d" : per.toMillis() + "ms";
        return count + "/" + unit;
    }
}
