package dev.tern.bench.load;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Command-line options of the form {@code --name value}; unknown names are an error. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    /**
     * @param args    the command line
     * @param allowed option names without the leading dashes
     * @throws IllegalArgumentException on an unknown option or a missing value
     */
    public Args(String[] args, Set<String> allowed) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !allowed.contains(a.substring(2))) {
                throw new IllegalArgumentException(
                        "unknown option " + a + " (known: --" + String.join(", --", allowed) + ")");
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
            values.put(a.substring(2), args[++i]);
        }
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String required(String name) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("option --" + name + " is required");
        return v;
    }

    public int getInt(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    public double getDouble(String name, double fallback) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** A size such as {@code 5120}, {@code 5k} or {@code 100KB} (k = 1024). */
    public static int size(String s) {
        String v = s.trim().toLowerCase(java.util.Locale.ROOT).replace("b", "");
        int mult = 1;
        if (v.endsWith("k")) {
            mult = 1024;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            mult = 1024 * 1024;
            v = v.substring(0, v.length() - 1);
        }
        return Integer.parseInt(v) * mult;
    }

    /** A loopback host:port. */
    public static java.net.InetSocketAddress hostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected host:port, got " + s);
        String host = s.substring(0, colon).replace("[", "").replace("]", "");
        return new java.net.InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1)));
    }
}
