package dev.tern.core.shaping;

import java.util.List;
import java.util.Locale;

/** Matching of domain and host names against {@code name}, {@code *.suffix} and {@code *} patterns. */
final class HostPatterns {
    private HostPatterns() {}

    /** Whether {@code name} matches {@code pattern}: exact, {@code *.suffix} (any subdomain of suffix), or {@code *}. */
    static boolean matches(String pattern, String name) {
        String p = normalize(pattern);
        String n = normalize(name);
        if (p.equals("*")) return true;
        if (p.startsWith("*.")) return n.endsWith(p.substring(1));
        return p.equals(n);
    }

    static boolean any(List<String> patterns, String name) {
        for (String p : patterns) if (matches(p, name)) return true;
        return false;
    }

    static boolean any(List<String> patterns, List<String> names) {
        for (String n : names) if (any(patterns, n)) return true;
        return false;
    }

    private static String normalize(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }
}
