package dev.tern.core.cli;

import java.util.Locale;

/** Human-readable numbers for tables. */
final class Format {
    private Format() {}

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        return String.format(Locale.ROOT, "%.1f GiB", b / 1073741824.0);
    }

    static String seconds(double s) {
        if (Double.isNaN(s)) return "-";
        long v = Math.round(s);
        if (v < 120) return v + "s";
        if (v < 7200) return (v / 60) + "m";
        if (v < 172800) return (v / 3600) + "h";
        return (v / 86400) + "d";
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%.1f", perSecond);
    }
}
