package dev.tern.core.config;

/** A configuration record that checks its own values after binding. */
public interface Validated {
    /** Adds a problem for each impossible value, using keys relative to this record. */
    void validate(Problems problems);
}
