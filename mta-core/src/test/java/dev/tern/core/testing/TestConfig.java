package dev.tern.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test configurations on loopback, shared by the test packages: ephemeral injection and admin
 * ports, spool and event log under a temporary directory. A top-level section in the extra YAML
 * replaces the default section of the same name.
 */
public final class TestConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestConfig() {}

    /** The base configuration under {@code dir} (spool synced or not), then {@code yaml}. */
    public static TernConfig of(Path dir, boolean syncSpool, String yaml) {
        Map<String, String> sections = new LinkedHashMap<>();
        sections.put("server", "{ hostname: tern.test }");
        sections.put(
                "spool",
                "{ directory: \"%s\", min_free_disk: 1MiB, sync: %s }".formatted(dir.resolve("spool"), syncSpool));
        sections.put("injection", "{ listen: 127.0.0.1:0 }");
        sections.put("admin", "{ listen: 127.0.0.1:0, token_file: \"%s\" }".formatted(dir.resolve("admin.token")));
        sections.put("events", "{ log: \"%s\" }".formatted(eventLog(dir)));
        StringBuilder base = new StringBuilder();
        sections.forEach((key, value) -> {
            if (yaml.lines().noneMatch(l -> l.startsWith(key + ":")))
                base.append(key).append(": ").append(value).append('\n');
        });
        return ConfigLoader.parse(base + yaml, "test");
    }

    /**
     * {@link #of} with a synced spool, every domain routed to {@code sinkPort} and a fast retry
     * schedule (300 ms, x1.5, at most 1 s).
     */
    public static TernConfig routedTo(Path dir, int sinkPort, String yaml) {
        return of(dir, true, """
        routes:
          "*": 127.0.0.1:%d
        delivery:
          retry: { initial: 300ms, multiplier: 1.5, max: 1s, jitter: 0.1 }
          timeouts: { connect: 2s, banner: 5s, ehlo: 5s, mail: 5s, rcpt: 5s, data_init: 5s, data_block: 5s, data_end: 10s, quit: 2s }
        """.formatted(sinkPort) + yaml);
    }

    /** Where {@link #of} puts the event log. */
    public static Path eventLog(Path dir) {
        return dir.resolve("events.jsonl");
    }

    /** The events of a JSON-lines event log, in order (none if the file does not exist). */
    public static List<JsonNode> events(Path logFile) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(logFile)) return out;
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) out.add(JSON.readTree(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
