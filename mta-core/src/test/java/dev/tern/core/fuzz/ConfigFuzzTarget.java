package dev.tern.core.fuzz;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the configuration loader (YAML parsing and {@code ConfigBinder}). Property: any text
 * either loads into a {@link TernConfig} or fails with a {@link ConfigException} whose problems each name
 * a key path ({@code "injection.listen: ..."}, {@code "(root): ..."}) and say something; never another
 * exception, never a hang.
 */
public final class ConfigFuzzTarget {
    /** Runs of the bounded (fixed-seed) campaign of the test suite: sized to this target's speed. */
    static final int CAMPAIGN_RUNS = 500;

    static final String INSTRUMENTATION_INCLUDES =
            "dev.tern.**:com.fasterxml.jackson.dataformat.yaml.**:org.yaml.snakeyaml.**";

    private ConfigFuzzTarget() {}

    public static void fuzzerInitialize() {
        fuzzerTestOneInput(new byte[0]);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        TernConfig config;
        try {
            config = ConfigLoader.parse(yaml, "fuzz.yaml");
        } catch (ConfigException e) {
            if (e.problems().isEmpty()) {
                throw new IllegalStateException("ConfigException without problems", e);
            }
            for (String problem : e.problems()) {
                int sep = problem == null ? -1 : problem.indexOf(": ");
                if (sep <= 0) {
                    throw new IllegalStateException("problem without a key path: " + problem, e);
                }
                String message = problem.substring(sep + 2).strip();
                if (message.isEmpty() || message.equals("null") || message.endsWith(": null")) {
                    throw new IllegalStateException("problem without a message: " + problem, e);
                }
            }
            return;
        }
        if (config == null) {
            throw new IllegalStateException("null config for: " + yaml);
        }
    }
}
