package dev.tern.core.metrics;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the distinct values of one metric tag: the first {@code max} values seen are kept,
 * every later one becomes {@value #OTHER}. A missing value becomes {@value #NONE} (the empty
 * label value, which Prometheus treats as no label): no placeholder series such as "none".
 */
public final class TagLimiter {
    public static final String OTHER = "other";
    public static final String NONE = "";
    private static final int MAX_LENGTH = 64;

    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public TagLimiter(int max) {
        if (max < 1) throw new IllegalArgumentException("max must be >= 1");
        this.max = max;
    }

    /** Whether {@code value} is no value: {@link #apply} makes it {@value #NONE}. */
    public static boolean isNone(String value) {
        return value == null || value.isBlank();
    }

    /** The tag value to use for {@code value}. */
    public String apply(String value) {
        if (isNone(value)) return NONE;
        String v = value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value;
        v = v.toLowerCase(Locale.ROOT);
        if (seen.contains(v)) return v;
        synchronized (this) {
            if (seen.contains(v)) return v;
            if (seen.size() < max) {
                seen.add(v);
                return v;
            }
        }
        return OTHER;
    }

    /** Distinct values kept so far (at most {@code max}). */
    public int size() {
        return seen.size();
    }
}
