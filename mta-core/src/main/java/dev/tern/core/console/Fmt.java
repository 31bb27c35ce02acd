package dev.tern.core.console;

import dev.tern.core.admin.AdminJson;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text for the console's values: counts, rates, sizes, durations, and API fields by name. */
final class Fmt {
    private Fmt() {}

    static String count(double v) {
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    static String rate(double perSecond) {
        if (perSecond == 0) return "0";
        if (perSecond < 0.1) return String.format(Locale.ROOT, "%.1f/min", perSecond * 60);
        return String.format(Locale.ROOT, perSecond < 10 ? "%.2f/s" : "%,.0f/s", perSecond);
    }

    static String bytes(double b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", b) : String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }

    static String seconds(double s) {
        if (s < 1) return String.format(Locale.ROOT, "%.0f ms", s * 1000);
        if (s < 120) return String.format(Locale.ROOT, "%.1f s", s);
        if (s < 7200) return String.format(Locale.ROOT, "%.0f min", s / 60);
        if (s < 172_800) return String.format(Locale.ROOT, "%.1f h", s / 3600);
        return String.format(Locale.ROOT, "%.1f d", s / 86_400);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", fraction * 100);
    }

    /** A snake_case field name as a column label. */
    static String label(String key) {
        return key.replace('_', ' ');
    }

    /** An API field's value as text, formatted by what its name says it is. */
    static String value(String key, Object v) {
        if (v == null) return "—";
        if (v instanceof Boolean b) return b ? "yes" : "no";
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (key.endsWith("_rate") || key.endsWith("_ratio")) return percent(d);
            if (key.endsWith("bytes")) return bytes(d);
            if (key.endsWith("_seconds")) return seconds(d);
            if (key.endsWith("_millis") || key.endsWith("_ms")) return seconds(d / 1000);
            if (v instanceof Double || v instanceof Float) return String.format(Locale.ROOT, "%.2f", d);
            return count(d);
        }
        if (v instanceof List<?> l
                && l.stream().allMatch(x -> x == null || x instanceof String || x instanceof Number)) {
            return l.isEmpty()
                    ? "—"
                    : String.join(", ", l.stream().map(String::valueOf).toList());
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            try {
                return AdminJson.MAPPER.writeValueAsString(v);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return String.valueOf(v);
            }
        }
        String s = String.valueOf(v);
        if (key.endsWith("_at") || key.equals("time")) return time(s);
        return s.isEmpty() ? "—" : s;
    }

    private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter.ofPattern(
                    "yyyy-MM-dd HH:mm:ss.SSS 'UTC'")
            .withZone(java.time.ZoneOffset.UTC);

    /** An ISO-8601 instant as a UTC time to the millisecond; other text as it is. */
    static String time(String iso) {
        try {
            return TIME.format(java.time.Instant.parse(iso));
        } catch (java.time.format.DateTimeParseException e) {
            return iso.isEmpty() ? "—" : iso;
        }
    }
}
