package dev.tern.core.config;

import java.util.List;

/** A configuration could not be loaded; {@link #problems()} names every wrong key. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(source + ": " + problems.size() + " configuration problem(s):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each starting with the dotted key path. */
    public List<String> problems() {
        return problems;
    }
}
