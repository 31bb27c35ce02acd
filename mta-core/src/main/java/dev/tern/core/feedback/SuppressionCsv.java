package dev.tern.core.feedback;

import dev.tern.queue.Spool;
import dev.tern.queue.Suppression;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * CSV export and import of a tenant's suppression list: header {@code address,reason,added_at}
 * (RFC 3339 UTC time), one entry per line. Import accepts the same columns, or only the address
 * (reason then defaults, time = now); blank lines and lines starting with {@code #} are skipped.
 */
public final class SuppressionCsv {
    public static final String HEADER = "address,reason,added_at";

    private SuppressionCsv() {}

    /** Writes every entry of the tenant's list; returns how many. */
    public static long export(Spool spool, String tenant, Writer out) throws IOException {
        out.write(HEADER + "\n");
        long n = 0;
        String after = "";
        while (true) {
            List<Suppression> page = spool.suppressions(tenant, after, 1000);
            for (Suppression s : page) {
                out.write(
                        field(s.address()) + "," + field(s.reason()) + "," + Instant.ofEpochMilli(s.addedAt()) + "\n");
                n++;
            }
            if (page.size() < 1000) break;
            after = page.getLast().address();
        }
        out.flush();
        return n;
    }

    /** Problem in an imported file, with its line number. */
    public static final class CsvException extends IllegalArgumentException {
        public CsvException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    /**
     * Reads entries and adds them to the tenant's list (durable on return); returns how many. The
     * whole file is checked before anything is written.
     */
    public static int importCsv(Spool spool, String tenant, Reader in, String defaultReason, long nowMillis)
            throws IOException {
        List<Suppression> entries = new ArrayList<>();
        BufferedReader r = new BufferedReader(in);
        String line;
        int no = 0;
        while ((line = r.readLine()) != null) {
            no++;
            String t = line.strip();
            if (t.isEmpty()
                    || t.startsWith("#")
                    || (no == 1 && t.toLowerCase(Locale.ROOT).startsWith("address"))) continue;
            List<String> cols = split(t);
            String address = cols.get(0).strip();
            int at = address.lastIndexOf('@');
            if (at <= 0 || at == address.length() - 1 || address.contains(" "))
                throw new CsvException(no, "not an address: '" + address + "'");
            String reason =
                    cols.size() > 1 && !cols.get(1).isBlank() ? cols.get(1).strip() : defaultReason;
            long added = nowMillis;
            if (cols.size() > 2 && !cols.get(2).isBlank()) {
                try {
                    added = Instant.parse(cols.get(2).strip()).toEpochMilli();
                } catch (DateTimeParseException e) {
                    throw new CsvException(no, "added_at is not an RFC 3339 UTC time: '" + cols.get(2) + "'");
                }
            }
            entries.add(new Suppression(tenant == null ? "" : tenant, address.toLowerCase(Locale.ROOT), reason, added));
        }
        CompletableFuture.allOf(entries.stream().map(spool::suppress).toArray(CompletableFuture[]::new))
                .join();
        return entries.size();
    }

    private static String field(String v) {
        if (v == null) return "";
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
