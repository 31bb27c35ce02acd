package dev.tern.core.cli;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options every API command shares. The URL defaults to {@code admin.listen} of the
 * configuration; the token comes from {@code --token}, else {@code TERN_TOKEN}, else
 * {@code admin.token} of the configuration file if it is readable.
 */
public final class ApiOptions {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "admin API base URL (default: http://<admin.listen> of the configuration)")
    String url;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "admin API token (default: $TERN_TOKEN, else admin.token of the configuration)")
    String token;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "configuration file for the defaults (default: config/tern.yaml)")
    Path config;

    @Option(names = "--json", description = "print the API's JSON answer instead of a table")
    boolean json;

    AdminClient client() {
        return new AdminClient(url(), token());
    }

    String url() {
        if (url != null) return url;
        HostPort listen = configuration().map(c -> c.admin().listen()).orElse(new HostPort("127.0.0.1", 8025));
        String host =
                listen.host().equals("0.0.0.0") ? "127.0.0.1" : listen.host().equals("::") ? "::1" : listen.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + listen.port();
    }

    String token() {
        if (token != null) return token;
        String env = System.getenv("TERN_TOKEN");
        if (env != null && !env.isEmpty()) return env;
        return configuration().map(c -> c.admin().token()).orElse("");
    }

    private Optional<TernConfig> configuration() {
        Path file = config != null ? config : Path.of("config/tern.yaml");
        if (!Files.isReadable(file)) return Optional.empty();
        try {
            return Optional.of(ConfigLoader.load(file));
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }
}
