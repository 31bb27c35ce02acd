package dev.tern.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a {@link TernConfig} as YAML that {@link ConfigLoader} reads back to the same
 * configuration, each key preceded by its comment from the shipped {@code config/tern.yaml}
 * ({@code tern config show}). Secrets (admin.token, VERP keys, webhook header values) are
 * replaced by {@value #HIDDEN}.
 */
public final class ConfigYaml {
    /** What a secret is shown as. */
    public static final String HIDDEN = "<hidden>";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SECRETS = Set.of(
            "admin.token", "bounces.keys.*", "events.webhook.headers.*", "events.webhook.secret", "unsubscribe.keys.*");
    private static final Pattern KEY_LINE = Pattern.compile("^( *)([A-Za-z0-9_]+|\"[^\"]*\"):(.*)$");
    /** A scalar printed without quotes: YAML gives {@code *} and {@code @} at the start other meanings (alias, reserved). */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./\\-][A-Za-z0-9_./@:*\\-]*");

    private static volatile Map<String, List<String>> shippedComments;

    private ConfigYaml() {}

    /**
     * The configuration as commented YAML: every key when {@code effective}, else only the keys
     * whose values differ from the built-in defaults (what the file changes).
     */
    public static String render(TernConfig config, boolean effective) {
        ObjectNode tree = (ObjectNode) toTree(config, "");
        if (!effective) prune(tree, (ObjectNode) toTree(TernConfig.defaults(), ""));
        StringBuilder out = new StringBuilder();
        write(tree, "", 0, out);
        return out.toString();
    }

    /** Value of a configuration record or value as a YAML tree, keys in record order. */
    static JsonNode toTree(Object value, String path) {
        if (value == null) return NODES.nullNode();
        if (matchesSecret(path)) return NODES.textNode(value.toString().isEmpty() ? "" : HIDDEN);
        if (value instanceof DataSize || value instanceof HostPort || value instanceof Cidr || value instanceof Rate) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Record r) {
            ObjectNode o = NODES.objectNode();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                String key = ConfigBinder.snake(c.getName());
                try {
                    var accessor = c.getAccessor();
                    accessor.setAccessible(true);
                    Object v = accessor.invoke(r);
                    // an unset path is written as "" (what the file says for "none")
                    if (v == null && c.getType() == Path.class) v = "";
                    o.set(key, toTree(v, join(path, key)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return o;
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (var e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                o.set(key, toTree(e.getValue(), join(path, "*")));
            }
            return o;
        }
        if (value instanceof Collection<?> list) {
            ArrayNode a = NODES.arrayNode();
            for (Object v : list) a.add(toTree(v, path + "[]"));
            return a;
        }
        if (value instanceof Boolean b) return NODES.booleanNode(b);
        if (value instanceof Integer i) return NODES.numberNode(i);
        if (value instanceof Long l) return NODES.numberNode(l);
        if (value instanceof Double d) return NODES.numberNode(d);
        if (value instanceof Duration d) return NODES.textNode(Durations.format(d));
        if (value instanceof Enum<?> e) return NODES.textNode(e.name().toLowerCase(Locale.ROOT));
        if (value instanceof Path p) return NODES.textNode(p.toString());
        return NODES.textNode(value.toString());
    }

    private static boolean matchesSecret(String path) {
        return SECRETS.contains(path);
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Removes from {@code tree} what equals {@code defaults}; keeps parents of what differs. */
    private static void prune(ObjectNode tree, ObjectNode defaults) {
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode d = defaults.get(e.getKey());
            if (d == null) continue;
            if (e.getValue().equals(d)) {
                it.remove();
            } else if (e.getValue() instanceof ObjectNode o
                    && d instanceof ObjectNode od
                    && !od.isEmpty()
                    && hasAllKeys(o, od)) {
                prune(o, od);
            }
        }
    }

    /** Records have every key on both sides; maps (user-named keys) are shown whole. */
    private static boolean hasAllKeys(ObjectNode a, ObjectNode b) {
        Iterator<String> na = a.fieldNames(), nb = b.fieldNames();
        while (na.hasNext() && nb.hasNext()) if (!na.next().equals(nb.next())) return false;
        return !na.hasNext() && !nb.hasNext();
    }

    private static void write(ObjectNode node, String path, int indent, StringBuilder out) {
        String pad = " ".repeat(indent);
        boolean mapOfUserKeys = isUserMap(path);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String keyPath = join(path, mapOfUserKeys ? "*" : key);
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (!mapOfUserKeys) {
                for (String c : comments().getOrDefault(keyPath, List.of()))
                    out.append(pad).append(c).append('\n');
            }
            out.append(pad).append(yamlKey(key)).append(':');
            if (v instanceof ObjectNode o && !o.isEmpty()) {
                out.append('\n');
                write(o, keyPath, indent + 2, out);
            } else if (v instanceof ArrayNode a && !a.isEmpty() && !scalars(a)) {
                out.append('\n');
                for (JsonNode item : a) {
                    if (item instanceof ObjectNode o) {
                        out.append(pad).append("  - ").append(flow(o)).append('\n');
                    } else {
                        out.append(pad).append("  - ").append(scalar(item)).append('\n');
                    }
                }
            } else {
                out.append(' ').append(flow(v)).append('\n');
            }
            if (indent == 0 && it.hasNext()) out.append('\n');
        }
    }

    /** Sections whose keys are names chosen by the operator (routes, users, pools, ...). */
    private static boolean isUserMap(String path) {
        return Set.of(
                        "routes",
                        "injection.auth.users",
                        "delivery.sources",
                        "delivery.pools",
                        "delivery.tenant_pools",
                        "dkim.domains",
                        "bounces.keys",
                        "events.webhook.headers")
                .contains(path);
    }

    private static boolean scalars(ArrayNode a) {
        for (JsonNode n : a) if (n.isContainerNode()) return false;
        return true;
    }

    private static String flow(JsonNode v) {
        if (v instanceof ObjectNode o) {
            List<String> parts = new ArrayList<>();
            o.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) parts.add(yamlKey(e.getKey()) + ": " + flow(e.getValue()));
            });
            return parts.isEmpty() ? "{}" : "{ " + String.join(", ", parts) + " }";
        }
        if (v instanceof ArrayNode a) {
            List<String> parts = new ArrayList<>();
            for (JsonNode n : a) parts.add(flow(n));
            return "[" + String.join(", ", parts) + "]";
        }
        return scalar(v);
    }

    private static String scalar(JsonNode v) {
        if (!v.isTextual()) return v.toString();
        String s = v.asText();
        if (PLAIN.matcher(s).matches() && !s.matches("(?i)true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.eE+-]*")) {
            return s;
        }
        return quote(s);
    }

    private static String yamlKey(String key) {
        return key.matches("[A-Za-z0-9_][A-Za-z0-9_.\\-]*") && !key.matches("(?i)true|false|yes|no|on|off|null")
                ? key
                : quote(key);
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The comment lines above each key of the shipped config/tern.yaml, by dotted key path. */
    static Map<String, List<String>> comments() {
        Map<String, List<String>> c = shippedComments;
        if (c == null) {
            try (InputStream in = ConfigYaml.class.getResourceAsStream("tern.yaml")) {
                c = in == null ? Map.of() : parseComments(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            shippedComments = c;
        }
        return c;
    }

    /** Comment lines (and a key's trailing comment) by the dotted path of the key they precede. */
    static Map<String, List<String>> parseComments(String yaml) {
        Map<String, List<String>> out = new HashMap<>();
        Deque<String[]> stack = new ArrayDeque<>(); // {indent, key}
        List<String> pending = new ArrayList<>();
        for (String line : yaml.split("\n", -1)) {
            String t = line.strip();
            if (t.isEmpty()) {
                pending.clear();
                continue;
            }
            if (t.startsWith("#")) {
                pending.add(t);
                continue;
            }
            Matcher m = KEY_LINE.matcher(line);
            if (!m.matches()) {
                pending.clear();
                continue;
            }
            int indent = m.group(1).length();
            String key = m.group(2).replace("\"", "");
            while (!stack.isEmpty() && Integer.parseInt(stack.peek()[0]) >= indent) stack.pop();
            StringBuilder path = new StringBuilder();
            for (Iterator<String[]> it = stack.descendingIterator(); it.hasNext(); ) {
                path.append(it.next()[1]).append('.');
            }
            path.append(key);
            String rest = m.group(3);
            int hash = trailingComment(rest);
            List<String> lines = new ArrayList<>(pending);
            if (hash >= 0) lines.add(rest.substring(hash).strip());
            if (!lines.isEmpty()) out.put(path.toString(), List.copyOf(lines));
            pending.clear();
            String value = (hash >= 0 ? rest.substring(0, hash) : rest).strip();
            if (value.isEmpty()) stack.push(new String[] {Integer.toString(indent), key});
        }
        return out;
    }

    /** Index of a " #" comment outside quotes, or -1. */
    private static int trailingComment(String s) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') quoted = !quoted;
            else if (ch == '#' && !quoted && (i == 0 || s.charAt(i - 1) == ' ')) return i;
        }
        return -1;
    }
}
