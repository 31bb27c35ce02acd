package dev.tern.core.cli;

import dev.tern.core.admin.AdminToken;
import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options every API command shares. The URL defaults to {@code admin.listen} of the
 * configuration; the token comes from {@code --token}, else {@code TERN_TOKEN}, else
 * {@code admin.token} of the configuration, else (for a Tern on loopback) the file
 * {@code admin.token_file} that the server generated on its first start. A configuration file
 * given with {@code --config} must exist and be valid; without it {@code config/tern.yaml}
 * (relative to the working directory) is used if present, else the built-in defaults.
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
            description = "admin API token (default: $TERN_TOKEN, else admin.token of the configuration,"
                    + " else the admin.token_file the server generated, for a Tern on loopback)")
    String token;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "configuration file for the defaults (default: config/tern.yaml if present)")
    Path config;

    @Option(names = "--json", description = "print the API's JSON answer instead of a table")
    boolean json;

    private TernConfig loaded;

    AdminClient client() {
        return new AdminClient(url(), token());
    }

    String url() {
        if (url != null) return url;
        HostPort listen = configuration().admin().listen();
        String host =
                listen.host().equals("0.0.0.0") ? "127.0.0.1" : listen.host().equals("::") ? "::1" : listen.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + listen.port();
    }

    String token() {
        if (token != null) return token;
        String env = System.getenv("TERN_TOKEN");
        if (env != null && !env.isEmpty()) return env;
        TernConfig.Admin admin = configuration().admin();
        if (!admin.token().isEmpty()) return admin.token();
        if (admin.tokenFile() == null || !loopback(url())) return "";
        try {
            return AdminToken.read(admin.tokenFile()).orElse("");
        } catch (java.io.UncheckedIOException e) {
            return "";
        }
    }

    /**
     * The configuration: {@code --config} (which must exist and be valid), else {@code
     * config/tern.yaml} if present, else the defaults.
     *
     * @throws ConfigException if the file is missing (given with --config) or not valid
     */
    TernConfig configuration() {
        if (loaded != null) return loaded;
        if (config != null) {
            loaded = ConfigLoader.load(config);
        } else {
            Path file = Path.of("config/tern.yaml");
            loaded = Files.exists(file) ? ConfigLoader.load(file) : TernConfig.defaults();
        }
        return loaded;
    }

    private static boolean loopback(String url) {
        try {
            String host = java.net.URI.create(url).getHost();
            if (host == null) return false;
            if (host.equalsIgnoreCase("localhost")) return true;
            host = host.replace("[", "").replace("]", "");
            if (!host.matches("[0-9.]+|[0-9A-Fa-f:.]+")) return false;
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            return false;
        }
    }
}
