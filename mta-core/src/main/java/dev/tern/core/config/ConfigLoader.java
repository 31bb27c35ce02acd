package dev.tern.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
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
    /** Duplicate keys are errors (YAML says keys are unique; last-wins would hide a second section). */
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private static final java.util.regex.Pattern DUPLICATE =
            java.util.regex.Pattern.compile("Duplicate field '(.*)'", java.util.regex.Pattern.DOTALL);

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

    /** The key path of a duplicate key, from the parser's context at the point of failure. */
    private static String duplicatePath(JsonProcessingException e, String key) {
        List<String> parts = new java.util.ArrayList<>();
        if (e.getProcessor() instanceof JsonParser parser) {
            JsonStreamContext ctx = parser.getParsingContext();
            // the context is the object holding the duplicate; walk up to the root
            for (JsonStreamContext c = ctx == null ? null : ctx.getParent(); c != null; c = c.getParent()) {
                if (c.inObject() && c.getCurrentName() != null) parts.add(0, ConfigBinder.quoteKey(c.getCurrentName()));
                else if (c.inArray()) parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        parts.add(ConfigBinder.quoteKey(key));
        return String.join(".", parts).replace(".[", "[");
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
            var dup = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
            if (dup.find()) {
                String line = e.getLocation() == null
                        ? ""
                        : " (line " + e.getLocation().getLineNr() + ")";
                throw new ConfigException(
                        source,
                        List.of(duplicatePath(e, dup.group(1)) + ": duplicate key" + line
                                + ": each key may appear once; merge the two entries"));
            }
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
