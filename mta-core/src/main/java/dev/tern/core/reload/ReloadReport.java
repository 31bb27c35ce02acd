package dev.tern.core.reload;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What one reload did, per section.
 *
 * @param file     the configuration file read, or null when the server runs without one
 * @param sections every section, in registration order
 */
public record ReloadReport(String file, List<Change.Section> sections) {
    public ReloadReport {
        sections = List.copyOf(sections);
    }

    /** The sections with {@code outcome}. */
    public List<String> sections(Outcome outcome) {
        return sections.stream()
                .filter(s -> s.outcome() == outcome)
                .map(Change.Section::section)
                .toList();
    }

    /** The changed sections that keep their running values until a restart. */
    @JsonProperty("restart_required")
    public List<String> restartRequired() {
        return sections(Outcome.NEEDS_RESTART);
    }

    /** One line: {@code applied: routes, admin.token; needs restart: dns; N unchanged}. */
    public String summary() {
        List<String> applied = sections(Outcome.APPLIED), restart = sections(Outcome.NEEDS_RESTART);
        return "applied: " + (applied.isEmpty() ? "nothing" : String.join(", ", applied))
                + (restart.isEmpty() ? "" : "; needs restart: " + String.join(", ", restart))
                + "; " + sections(Outcome.UNCHANGED).size() + " unchanged";
    }
}
