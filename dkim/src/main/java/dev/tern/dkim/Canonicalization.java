package dev.tern.dkim;

import java.util.Locale;

/** RFC 6376 section 3.4 canonicalization algorithms, used for the header ({@code c=X/}) and the body ({@code c=/X}). */
public enum Canonicalization {
    SIMPLE,
    RELAXED;

    /** The {@code c=} tag spelling: {@code simple} or {@code relaxed}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@code c=} component; returns null when unknown. */
    static Canonicalization fromTag(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }
}
