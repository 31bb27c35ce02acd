package dev.tern.core.reload;

import java.util.List;
import java.util.Objects;

/**
 * What a reload would do to one section, prepared before anything is applied.
 *
 * @param section the configuration section (YAML key path: {@code routes}, {@code admin.token}, ...)
 * @param outcome applied (once {@link #apply} runs), unchanged or needs restart
 * @param details what changed, one line per item (empty when nothing did)
 * @param apply   makes the running server use the new value (a no-op unless {@link Outcome#APPLIED})
 */
public record Change(String section, Outcome outcome, List<String> details, Runnable apply) {
    public Change {
        Objects.requireNonNull(section);
        Objects.requireNonNull(outcome);
        details = List.copyOf(details);
        Objects.requireNonNull(apply);
    }

    public static Change unchanged(String section) {
        return new Change(section, Outcome.UNCHANGED, List.of(), () -> {});
    }

    public static Change applied(String section, List<String> details, Runnable apply) {
        return new Change(section, Outcome.APPLIED, details, apply);
    }

    public static Change needsRestart(String section, List<String> details) {
        return new Change(section, Outcome.NEEDS_RESTART, details, () -> {});
    }

    /** The report line of this change, without its apply action. */
    public Section report() {
        return new Section(section, outcome, details);
    }

    /**
     * One section of a {@link ReloadReport}.
     *
     * @param section configuration section
     * @param outcome what the reload did with it
     * @param details what changed
     */
    public record Section(String section, Outcome outcome, List<String> details) {}
}
