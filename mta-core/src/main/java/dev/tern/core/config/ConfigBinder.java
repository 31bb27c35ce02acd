package dev.tern.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds a YAML tree to configuration records, collecting every problem (unknown keys, wrong
 * types, impossible values) with its exact key path instead of stopping at the first.
 *
 * <p>YAML keys are the snake_case form of record component names. A missing key takes the
 * value of the record's {@code static defaults()} instance. Records implementing
 * {@link Validated} check their values after binding.
 */
final class ConfigBinder {
    private final Problems problems;

    ConfigBinder(Problems problems) {
        this.problems = problems;
    }

    /** Binds {@code node} to {@code type}; returns {@code fallback} (and records a problem) when it cannot. */
    @SuppressWarnings("unchecked")
    <T> T bind(JsonNode node, Type type, T fallback, Problems at) {
        if (node == null || node instanceof NullNode) {
            return fallback;
        }
        Class<?> raw = rawClass(type);
        try {
            Object value;
            if (raw == String.class) {
                value = scalar(node, "a string");
            } else if (raw == int.class || raw == Integer.class) {
                if (!node.isIntegralNumber() || !node.canConvertToInt())
                    throw new IllegalArgumentException("expected an integer, got " + describe(node));
                value = node.intValue();
            } else if (raw == long.class || raw == Long.class) {
                if (!node.isIntegralNumber() || !node.canConvertToLong())
                    throw new IllegalArgumentException("expected an integer, got " + describe(node));
                value = node.longValue();
            } else if (raw == double.class || raw == Double.class) {
                if (!node.isNumber()) throw new IllegalArgumentException("expected a number, got " + describe(node));
                value = node.doubleValue();
            } else if (raw == boolean.class || raw == Boolean.class) {
                if (!node.isBoolean())
                    throw new IllegalArgumentException("expected true or false, got " + describe(node));
                value = node.booleanValue();
            } else if (raw == Duration.class) {
                value = Durations.parse(scalar(node, "a duration such as 30s"));
            } else if (raw == DataSize.class) {
                value = node.isIntegralNumber()
                        ? new DataSize(node.longValue())
                        : DataSize.parse(scalar(node, "a size such as 50MiB"));
            } else if (raw == HostPort.class) {
                value = HostPort.parse(scalar(node, "host:port"));
            } else if (raw == Rate.class) {
                value = Rate.parse(scalar(node, "a rate such as 30/min"));
            } else if (raw == Cidr.class) {
                value = Cidr.parse(scalar(node, "an address block such as 127.0.0.0/8"));
            } else if (raw == Path.class) {
                value = Path.of(scalar(node, "a file path"));
            } else if (raw.isEnum()) {
                value = bindEnum(raw, scalar(node, "one of " + enumNames(raw)));
            } else if (raw == List.class) {
                value = bindList(node, elementType(type, 0), at);
            } else if (raw == Map.class) {
                value = bindMap(node, elementType(type, 1), at);
            } else if (raw.isRecord()) {
                value = bindRecord(node, raw, fallback, at);
            } else {
                throw new IllegalStateException("unsupported config type " + type);
            }
            return (T) value;
        } catch (IllegalArgumentException | ArithmeticException e) {
            at.add(e.getMessage());
            return fallback;
        }
    }

    private Object bindRecord(JsonNode node, Class<?> type, Object fallback, Problems at) {
        if (!node.isObject()) {
            at.add("expected a mapping (key: value lines), got " + describe(node));
            return fallback;
        }
        Object defaults = fallback != null ? fallback : defaultsOf(type);
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) byKey.put(snake(c.getName()), c);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!byKey.containsKey(key)) {
                // quoted unless a plain name: an empty key ("? " in YAML) or one with dots must still read as a key
                // path
                at.add(
                        quoteKey(key),
                        "unknown key" + suggestion(key, byKey.keySet()) + " (allowed: "
                                + String.join(", ", byKey.keySet()) + ")");
            }
        }
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            Object def = defaults == null ? null : read(c, defaults);
            String key = snake(c.getName());
            args[i] = bind(node.get(key), c.getGenericType(), def, at.at(key));
            if (args[i] == null && c.getType().isPrimitive()) {
                at.add(key, "is required");
                return fallback;
            }
        }
        Object result;
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            result = ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            at.add(e.getCause().getMessage());
            return fallback;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        if (result instanceof Validated v) v.validate(at);
        return result;
    }

    private List<Object> bindList(JsonNode node, Type element, Problems at) {
        List<Object> out = new ArrayList<>();
        if (!node.isArray()) {
            if (node.isValueNode() && !node.asText().isEmpty()) {
                // a single value where a list is expected: accept it as a one-element list
                Object v = bind(node, element, null, at.at("[0]"));
                if (v != null) out.add(v);
                return List.copyOf(out);
            }
            throw new IllegalArgumentException("expected a list, got " + describe(node));
        }
        for (int i = 0; i < node.size(); i++) {
            Object v = bind(node.get(i), element, null, at.at("[" + i + "]"));
            if (v != null) out.add(v);
        }
        return List.copyOf(out);
    }

    private Map<String, Object> bindMap(JsonNode node, Type value, Problems at) {
        if (!node.isObject()) throw new IllegalArgumentException("expected a mapping, got " + describe(node));
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Object v = bind(e.getValue(), value, null, at.at(quoteKey(e.getKey())));
            if (v != null) out.put(e.getKey(), v);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    static String quoteKey(String key) {
        return key.matches("[A-Za-z0-9_\\-]+") ? key : "\"" + key + "\"";
    }

    private static String scalar(JsonNode node, String what) {
        if (!node.isValueNode()) throw new IllegalArgumentException("expected " + what + ", got " + describe(node));
        return node.asText();
    }

    private static Object bindEnum(Class<?> type, String text) {
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equalsIgnoreCase(text.replace('-', '_'))) return constant;
        }
        throw new IllegalArgumentException("expected one of " + enumNames(type) + ", got '" + text + "'");
    }

    private static String enumNames(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object c : type.getEnumConstants()) names.add(((Enum<?>) c).name().toLowerCase(Locale.ROOT));
        return String.join(", ", names);
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) return "a mapping";
        if (node.isArray()) return "a list";
        if (node.isTextual()) return "'" + node.asText() + "'";
        return node.toString();
    }

    private static Object defaultsOf(Class<?> type) {
        try {
            Method m = type.getDeclaredMethod("defaults");
            m.setAccessible(true);
            return m.invoke(null);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object read(RecordComponent c, Object instance) {
        try {
            Method accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(instance);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalStateException("unsupported config type " + type);
    }

    private static Type elementType(Type type, int index) {
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            return args[Math.min(index, args.length - 1)];
        }
        return String.class;
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) sb.append('_').append(Character.toLowerCase(ch));
            else sb.append(ch);
        }
        return sb.toString();
    }

    private static String suggestion(String key, Set<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : new TreeSet<>(allowed)) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? "; did you mean '" + best + "'?" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
