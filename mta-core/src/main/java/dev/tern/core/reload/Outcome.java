package dev.tern.core.reload;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a reload did with one section of the configuration. */
public enum Outcome {
    /** Changed, and the running server now uses the new value. */
    APPLIED,
    /** The same as what is running. */
    UNCHANGED,
    /** Changed, but only a restart applies it: the running value stays. */
    NEEDS_RESTART;

    /** {@code applied}, {@code unchanged}, {@code needs_restart} (API and log). */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code needs restart} (CLI and log). */
    public String text() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
