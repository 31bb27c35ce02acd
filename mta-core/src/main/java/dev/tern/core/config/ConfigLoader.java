package dev.tern.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads {@code tern.yaml} into a {@link TernConfig}, reporting every problem at once. */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {}

    /** Loads and validates a file. */
    public static TernConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("file not found"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /** Loads and validates YAML text; {@code source} names it in errors. */
    public static TernConfig parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new ConfigException(
                    source, List.of("(root): not valid YAML" + where + ": " + e.getOriginalMessage()));
        }
        if (root == null || root instanceof MissingNode || root.isNull()) {
            return TernConfig.defaults();
        }
        Problems problems = new Problems();
        TernConfig config = new ConfigBinder(problems).bind(root, TernConfig.class, TernConfig.defaults(), problems);
        if (!problems.isEmpty()) throw new ConfigException(source, problems.list());
        return config;
    }
}
