package dev.tern.core.reload;

import dev.tern.core.config.TernConfig;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A part of the running server that a configuration reload concerns. A reload first prepares
 * every part (reading files, checking keys: a failure there changes nothing anywhere), then
 * applies the prepared changes.
 */
@FunctionalInterface
public interface Reloadable {
    /**
     * What changes for this part from {@code running} (the configuration the running server
     * uses) to {@code next}, with how to apply it.
     *
     * @throws dev.tern.core.config.ConfigException if {@code next} cannot be applied (names the key)
     */
    List<Change> prepare(TernConfig running, TernConfig next);

    /**
     * A section only a restart applies: reported as needing a restart as long as it differs
     * from the configuration the server {@code started} with.
     */
    static Reloadable restartOnly(String section, TernConfig started, Function<TernConfig, ?> value) {
        Object before = value.apply(started);
        return (running, next) -> List.of(
                Objects.equals(before, value.apply(next))
                        ? Change.unchanged(section)
                        : Change.needsRestart(section, List.of("changed; the running value stays until a restart")));
    }
}
