package dev.tern.core.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table with aligned columns: numbers right-aligned, text left-aligned. */
final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(c == null ? "-" : c.toString());
        rows.add(r);
        return this;
    }

    /** {@code s} cut to {@code max} characters, its end replaced by "..." when cut. */
    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 3)) + "...";
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        int n = headers.size();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int i = 0; i < n; i++) {
            width[i] = headers.get(i).length();
            numeric[i] = !rows.isEmpty();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < n; i++) {
                String c = i < r.size() ? r.get(i) : "";
                width[i] = Math.max(width[i], c.length());
                if (!c.matches("-?[0-9][0-9.,]*[a-z%]?")) numeric[i] = false;
            }
        }
        line(out, headers, width, numeric);
        for (List<String> r : rows) line(out, r, width, numeric);
    }

    private static void line(PrintWriter out, List<String> cells, int[] width, boolean[] numeric) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            String c = i < cells.size() ? cells.get(i) : "";
            String pad = " ".repeat(width[i] - c.length());
            if (i > 0) sb.append("  ");
            sb.append(numeric[i] ? pad + c : c + (i == width.length - 1 ? "" : pad));
        }
        out.println(sb.toString().stripTrailing());
    }
}
