package dev.tern.core.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes, written in configuration as {@code 512}, {@code 64KiB}, {@code 50MiB}, {@code 1GB}. */
public record DataSize(long bytes) {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*([kmgt]?i?b?)?", Pattern.CASE_INSENSITIVE);

    public static DataSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (examples: 1048576, 512KiB, 50MiB, 2GB): '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        boolean binary =
                unit.contains("i") || unit.equals("k") || unit.equals("m") || unit.equals("g") || unit.equals("t");
        long base = binary ? 1024 : 1000;
        int power = unit.isEmpty() || unit.equals("b") ? 0 : "kmgt".indexOf(unit.charAt(0)) + 1;
        long factor = 1;
        for (int i = 0; i < power; i++) factor = Math.multiplyExact(factor, base);
        return new DataSize(Math.multiplyExact(n, factor));
    }

    public static DataSize ofMebibytes(long n) {
        return new DataSize(n << 20);
    }

    @Override
    public String toString() {
        if (bytes % (1L << 30) == 0 && bytes != 0) return (bytes >> 30) + "GiB";
        if (bytes % (1L << 20) == 0 && bytes != 0) return (bytes >> 20) + "MiB";
        if (bytes % 1024 == 0 && bytes != 0) return (bytes >> 10) + "KiB";
        return Long.toString(bytes);
    }
}
