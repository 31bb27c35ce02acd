package dev.tern.core.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The reload prepares every part before applying any, and reports every section. */
class ReloaderTest {
    private final TernConfig started = ConfigLoader.parse("dns: { timeout: 2s }", "started");
    private final TernConfig changedDns = ConfigLoader.parse("dns: { timeout: 3s }", "next");
    private final AtomicInteger applied = new AtomicInteger();

    private Reloadable counting(String section) {
        return (running, next) -> List.of(
                running.dns().equals(next.dns())
                        ? Change.unchanged(section)
                        : Change.applied(section, List.of("dns changed"), applied::incrementAndGet));
    }

    @Test
    void reportsEverySectionInOrderAndAppliesWhatChanged() {
        Reloader r = new Reloader(null, started)
                .register(counting("a"))
                .register(Reloadable.restartOnly("dns", started, TernConfig::dns))
                .register(Reloadable.restartOnly("events", started, TernConfig::events));
        ReloadReport report = r.reload(changedDns);
        assertThat(report.sections())
                .containsExactly(
                        new Change.Section("a", Outcome.APPLIED, List.of("dns changed")),
                        new Change.Section(
                                "dns",
                                Outcome.NEEDS_RESTART,
                                List.of("changed; the running value stays until a restart")),
                        new Change.Section("events", Outcome.UNCHANGED, List.of()));
        assertThat(applied).hasValue(1);
        assertThat(report.restartRequired()).containsExactly("dns");
        assertThat(report.summary()).isEqualTo("applied: a; needs restart: dns; 1 unchanged");

        // the same file again: what was applied is now unchanged, what needs a restart still does
        ReloadReport again = r.reload(changedDns);
        assertThat(again.sections(Outcome.UNCHANGED)).containsExactly("a", "events");
        assertThat(again.restartRequired()).containsExactly("dns");
        assertThat(applied).hasValue(1);
    }

    @Test
    void aPartThatCannotPrepareChangesNothing() {
        Reloader r = new Reloader(null, started).register(counting("a")).register((running, next) -> {
            throw new ConfigException("shaping.yaml", List.of("rules.0.match: required"));
        });
        assertThatThrownBy(() -> r.reload(changedDns))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rules.0.match");
        assertThat(applied).hasValue(0);
        // and the running configuration is still the started one: the next good reload applies
        Reloader ok = new Reloader(null, started).register(counting("a"));
        assertThat(ok.reload(changedDns).sections(Outcome.APPLIED)).containsExactly("a");
    }

    @Test
    void withoutAFileTheRunningConfigurationIsReadAgain() {
        Reloader r = new Reloader(null, started).register(counting("a"));
        assertThat(r.reload().sections(Outcome.UNCHANGED)).containsExactly("a");
        assertThat(r.reload().file()).isNull();
    }
}
