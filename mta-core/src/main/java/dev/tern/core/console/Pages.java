package dev.tern.core.console;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tern.core.admin.AdminApi;
import dev.tern.core.admin.AdminContext;
import dev.tern.core.admin.AdminJson;
import dev.tern.core.admin.ApiRequest;
import dev.tern.core.admin.ApiResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Builds each console page's template model from the admin API's answers (the same Java calls as
 * {@code /api/v1}, read as JSON-shaped maps, so fields the API gains appear without changes here),
 * the metrics and the event log. One instance per request.
 */
final class Pages {
    private static final int SUPPRESSION_PAGE = 50;
    private static final Set<String> DESTINATION_HIDDEN = Set.of("key", "suspended");
    private static final Set<String> CAMPAIGN_HIDDEN = Set.of("campaign", "paused", "pause_reason", "paused_at");

    private final AdminApi api;
    private final AdminContext ctx;
    private final ConsoleMetrics metrics;
    private final EventHistory history;
    private final SiteErrors siteErrors;
    private final String token;

    Pages(
            AdminApi api,
            AdminContext ctx,
            ConsoleMetrics metrics,
            EventHistory history,
            SiteErrors siteErrors,
            String token) {
        this.api = api;
        this.ctx = ctx;
        this.metrics = metrics;
        this.history = history;
        this.siteErrors = siteErrors;
        this.token = token;
    }

    Map<String, Object> overview() {
        Map<String, Object> m = model("Overview");
        metrics.sample();
        Map<String, Double> totals = metrics.totals();
        var r1 = metrics.window().rates(60_000);
        var r10 = metrics.window().rates(10 * 60_000);
        List<Map<String, Object>> rates = new ArrayList<>();
        for (String o : ConsoleMetrics.OUTCOMES) {
            rates.add(row(
                    "name",
                    o,
                    "total",
                    Fmt.count(totals.getOrDefault(o, 0.0)),
                    "rate1",
                    r1.map(r -> Fmt.rate(r.perSecond().getOrDefault(o, 0.0))).orElse("—"),
                    "rate10",
                    r10.map(r -> Fmt.rate(r.perSecond().getOrDefault(o, 0.0))).orElse("—")));
        }
        m.put("rates", rates);
        m.put("rate1_span", r1.map(r -> Fmt.seconds(r.seconds())).orElse("not yet measured"));
        m.put("rate10_span", r10.map(r -> Fmt.seconds(r.seconds())).orElse("not yet measured"));

        ConsoleMetrics.Latency lat = metrics.latency();
        m.put("has_latency", lat != null);
        if (lat != null) {
            m.put(
                    "latency",
                    List.of(
                            row("name", "delivered recipients", "value", Fmt.count(lat.count())),
                            row("name", "mean", "value", lat.count() == 0 ? "—" : Fmt.seconds(lat.mean())),
                            row("name", "p50 (at most)", "value", q(lat.p50())),
                            row("name", "p90 (at most)", "value", q(lat.p90())),
                            row("name", "p99 (at most)", "value", q(lat.p99())),
                            row("name", "max (recent)", "value", lat.count() == 0 ? "—" : Fmt.seconds(lat.max()))));
        }

        Object q = api("GET", "queues", Map.of());
        if (q instanceof Map<?, ?> queues) {
            List<Map<String, Object>> queueRows = new ArrayList<>();
            List<Map<String, Object>> spoolRows = new ArrayList<>();
            if (queues.get("totals") instanceof Map<?, ?> t) {
                for (var e : t.entrySet()) {
                    String k = String.valueOf(e.getKey());
                    boolean spool =
                            k.equals("messages") || k.equals("entries") || k.contains("bytes") || k.equals("leased");
                    (spool ? spoolRows : queueRows).add(row("name", Fmt.label(k), "value", Fmt.value(k, e.getValue())));
                }
            }
            if (queues.get("scan") instanceof Map<?, ?> scan) {
                for (var e : scan.entrySet()) {
                    if (e.getValue() instanceof List<?>) continue;
                    String k = String.valueOf(e.getKey());
                    queueRows.add(row("name", "scan: " + Fmt.label(k), "value", Fmt.value(k, e.getValue())));
                }
            }
            m.put("queue", queueRows);
            spoolRows.add(row(
                    "name",
                    "directory",
                    "value",
                    String.valueOf(ctx.config().spool().directory())));
            spoolRows.add(row(
                    "name", "free disk", "value", freeDisk(ctx.config().spool().directory())));
            m.put("spool", spoolRows);
            List<Map<String, Object>> top = new ArrayList<>();
            if (queues.get("destinations") instanceof List<?> ds) {
                for (Object d : ds.subList(0, Math.min(10, ds.size()))) {
                    if (d instanceof Map<?, ?> dm) top.add(destinationRow(dm, columns(ds, DESTINATION_HIDDEN)));
                }
                m.put("top_columns", headers(columns(ds, DESTINATION_HIDDEN)));
            }
            m.put("top", top);
            m.put("has_top", !top.isEmpty());
        } else {
            m.put("error", q);
        }
        return m;
    }

    Map<String, Object> destinations() {
        Map<String, Object> m = model("Destinations");
        Object q = api("GET", "queues", Map.of());
        if (!(q instanceof Map<?, ?> queues)) {
            m.put("error", q);
            return m;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        if (queues.get("destinations") instanceof List<?> ds) {
            List<String> cols = columns(ds, DESTINATION_HIDDEN);
            // the API does not report failures per destination: the console's own view of the events
            boolean fromEvents = !cols.contains("last_error");
            List<String> headers = new ArrayList<>(headers(cols));
            if (fromEvents) headers.addAll(List.of("last error", "last error at", "last delivery at"));
            m.put("columns", headers);
            for (Object d : ds) {
                if (!(d instanceof Map<?, ?> dm)) continue;
                Map<String, Object> row = destinationRow(dm, cols);
                if (fromEvents) {
                    SiteErrors.Status st = siteErrors
                            .get(String.valueOf(dm.get("key")))
                            .orElse(new SiteErrors.Status(null, null, null));
                    List<String> cells = new ArrayList<>(castCells(row.get("cells")));
                    cells.add(st.lastError() == null ? "—" : st.lastError());
                    cells.add(
                            st.lastErrorAt() == null
                                    ? "—"
                                    : Fmt.time(st.lastErrorAt().toString()));
                    cells.add(
                            st.lastDeliveryAt() == null
                                    ? "—"
                                    : Fmt.time(st.lastDeliveryAt().toString()));
                    row.put("cells", cells);
                }
                rows.add(row);
            }
        }
        m.put("destinations", rows);
        m.put("has_destinations", !rows.isEmpty());
        // holds (each with a Resume button), or the older per-kind lists of suspended names
        List<Map<String, Object>> holds = new ArrayList<>();
        if (queues.get("holds") instanceof List<?> hl) {
            List<String> cols = columns(hl, Set.of("target"));
            m.put("hold_columns", headers(cols));
            for (Object h : hl) {
                if (h instanceof Map<?, ?> hm)
                    holds.add(row("target", String.valueOf(hm.get("target")), "cells", cells(hm, cols)));
            }
        }
        m.put("holds", holds);
        m.put("has_holds", !holds.isEmpty());
        List<Map<String, Object>> suspended = new ArrayList<>();
        if (queues.get("suspended") instanceof Map<?, ?> sus) {
            for (var e : sus.entrySet()) {
                if (e.getKey().equals("sites") || !(e.getValue() instanceof List<?> l) || l.isEmpty()) continue;
                String kind = String.valueOf(e.getKey());
                String prefix = kind.endsWith("s") ? kind.substring(0, kind.length() - 1) + ":" : kind + ":";
                for (Object v : l) suspended.add(row("target", prefix + v));
            }
        }
        m.put("suspended_other", suspended);
        m.put("has_suspended_other", !suspended.isEmpty());
        // what waits in the spool (a bounded scan), by domain, campaign and tenant
        List<Map<String, Object>> groups = new ArrayList<>();
        if (queues.get("scan") instanceof Map<?, ?> scan) {
            for (var e : scan.entrySet()) {
                if (!(e.getValue() instanceof List<?> l) || l.isEmpty()) continue;
                List<String> cols = columns(l, Set.of());
                List<List<String>> rows2 = new ArrayList<>();
                for (Object g : l) {
                    if (g instanceof Map<?, ?> gm) rows2.add(cells(gm, cols));
                }
                groups.add(row(
                        "title",
                        "Spooled " + Fmt.label(String.valueOf(e.getKey())),
                        "columns",
                        headers(cols),
                        "rows",
                        rows2.stream().map(r -> row("cells", r)).toList()));
            }
        }
        m.put("spool_groups", groups);
        return m;
    }

    private static Map<String, Object> destinationRow(Map<?, ?> d, List<String> cols) {
        boolean suspended = Boolean.TRUE.equals(d.get("suspended"));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("key", String.valueOf(d.get("key")));
        row.put("suspended", suspended);
        row.put("state", suspended ? "suspended" : "active");
        row.put("cells", cells(d, cols));
        return row;
    }

    Map<String, Object> campaigns() {
        Map<String, Object> m = model("Campaigns");
        Object c = api("GET", "campaigns", Map.of());
        if (!(c instanceof Map<?, ?> cm) || !(cm.get("campaigns") instanceof List<?> list)) {
            m.put("error", c);
            return m;
        }
        // nested figures (e.g. the last 24 hours) get their own table each
        List<String> nested = columns(list, CAMPAIGN_HIDDEN).stream()
                .filter(col -> list.stream().anyMatch(o -> o instanceof Map<?, ?> k && k.get(col) instanceof Map<?, ?>))
                .toList();
        Set<String> hidden = new java.util.HashSet<>(CAMPAIGN_HIDDEN);
        hidden.addAll(nested);
        List<String> cols = columns(list, hidden);
        m.put("columns", headers(cols));
        List<Map<String, Object>> subTables = new ArrayList<>();
        for (String n : nested) {
            List<Object> inner = new ArrayList<>();
            for (Object o : list) {
                if (o instanceof Map<?, ?> k && k.get(n) instanceof Map<?, ?> f) inner.add(f);
            }
            List<String> innerCols = columns(inner, Set.of());
            List<Map<String, Object>> innerRows = new ArrayList<>();
            for (Object o : list) {
                if (o instanceof Map<?, ?> k && k.get(n) instanceof Map<?, ?> f)
                    innerRows.add(row("campaign", String.valueOf(k.get("campaign")), "cells", cells(f, innerCols)));
            }
            subTables.add(row("title", Fmt.label(n), "columns", headers(innerCols), "rows", innerRows));
        }
        m.put("sub_tables", subTables);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> k)) continue;
            boolean paused = Boolean.TRUE.equals(k.get("paused"));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("campaign", String.valueOf(k.get("campaign")));
            row.put("paused", paused);
            row.put(
                    "state",
                    paused
                            ? "paused" + (k.get("pause_reason") == null ? "" : ": " + k.get("pause_reason"))
                            : "sending");
            row.put("cells", cells(k, cols));
            rows.add(row);
        }
        m.put("campaigns", rows);
        m.put("has_campaigns", !rows.isEmpty());
        return m;
    }

    Map<String, Object> messages(String query, String by) {
        Map<String, Object> m = model("Messages");
        String q = query.strip();
        EventHistory.By kind = switch (by) {
            case "id" -> EventHistory.By.QUEUE_ID;
            case "recipient" -> EventHistory.By.RECIPIENT;
            case "message_id" -> EventHistory.By.MESSAGE_ID;
            default -> EventHistory.By.ANY;
        };
        m.put("q", q);
        m.put("by_" + kind.name().toLowerCase(Locale.ROOT), true);
        if (q.isEmpty()) return m;
        m.put("searched", true);
        Set<String> ids = new LinkedHashSet<>();
        if (kind != EventHistory.By.RECIPIENT
                && kind != EventHistory.By.MESSAGE_ID
                && EventHistory.looksLikeQueueId(q)
                && q.indexOf('@') < 0) {
            ids.add(q);
        }
        if (history != null) {
            try {
                EventHistory.Result r = history.search(q, kind);
                List<Map<String, Object>> events = new ArrayList<>();
                for (Map<String, String> e : r.events()) events.add(eventRow(e));
                m.put("events", events);
                m.put("has_events", !events.isEmpty());
                m.put(
                        "events_note",
                        r.matched() + " matching events in " + r.scanned() + " lines of the event log"
                                + (r.matched() > events.size() ? "; the newest " + events.size() + " shown" : "")
                                + (r.truncated()
                                        ? "; the search stopped at its limit (older events not searched)"
                                        : ""));
                ids.addAll(r.queueIds());
            } catch (IOException | RuntimeException e) {
                m.put("error", "cannot read the event log: " + e.getMessage());
            }
        } else {
            m.put("events_note", "no event log configured: only spooled messages can be shown");
        }
        List<Map<String, Object>> spooled = new ArrayList<>();
        for (String id : ids.stream().limit(5).toList()) {
            Object msg = api("GET", "messages/" + id, Map.of());
            if (msg instanceof Map<?, ?> mm) spooled.add(spooledRow(mm));
        }
        m.put("spooled", spooled);
        return m;
    }

    private static Map<String, Object> eventRow(Map<String, String> e) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("time", Fmt.time(e.getOrDefault("time", "")));
        row.put("type", e.getOrDefault("type", ""));
        row.put("id", e.getOrDefault("message_id", ""));
        row.put("id_href", Console.PREFIX + "/messages?by=id&q=" + Console.enc(e.getOrDefault("message_id", "")));
        row.put("recipient", e.getOrDefault("recipient", ""));
        List<String> details = new ArrayList<>();
        for (var f : e.entrySet()) {
            if (Set.of("time", "type", "message_id", "recipient").contains(f.getKey())) continue;
            details.add(f.getKey() + "=" + f.getValue());
        }
        row.put("details", String.join("  ", details));
        return row;
    }

    private static Map<String, Object> spooledRow(Map<?, ?> msg) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", String.valueOf(msg.get("id")));
        List<Map<String, Object>> fields = new ArrayList<>();
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (var e : msg.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.equals("entries") && e.getValue() instanceof List<?> entries) {
                for (Object en : entries) {
                    if (!(en instanceof Map<?, ?> entry) || !(entry.get("recipients") instanceof List<?> rs)) continue;
                    for (Object r : rs) {
                        if (!(r instanceof Map<?, ?> rm)) continue;
                        recipients.add(row(
                                "domain", Fmt.value("domain", entry.get("domain")),
                                "address", Fmt.value("address", rm.get("address")),
                                "status", Fmt.value("status", rm.get("status")),
                                "attempts", Fmt.value("attempts", rm.get("attempts")),
                                "next", Fmt.value("next_attempt_at", entry.get("next_attempt_at")),
                                "last_reply", Fmt.value("last_reply", rm.get("last_reply"))));
                    }
                }
            } else if (!k.equals("id")) {
                fields.add(row("name", Fmt.label(k), "value", Fmt.value(k, e.getValue())));
            }
        }
        row.put("fields", fields);
        row.put("recipients", recipients);
        return row;
    }

    Map<String, Object> suppressions(String tenant, String query, String after) {
        Map<String, Object> m = model("Suppressions");
        String t = tenant.strip();
        String q = query.strip().toLowerCase(Locale.ROOT);
        m.put("tenant", t);
        m.put("q", q);
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("tenant", List.of(t));
        params.put("limit", List.of(String.valueOf(SUPPRESSION_PAGE)));
        if (!after.isEmpty()) params.put("after", List.of(after));
        if (!q.isEmpty()) params.put("prefix", List.of(q));
        Object page = api("GET", "suppressions", params);
        if (!(page instanceof Map<?, ?> p) || !(p.get("suppressions") instanceof List<?> items)) {
            m.put("error", page);
            return m;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof Map<?, ?> s)) continue;
            rows.add(row(
                    "tenant",
                    s.get("tenant") == null ? "" : String.valueOf(s.get("tenant")),
                    "tenant_label",
                    s.get("tenant") == null || s.get("tenant").equals("")
                            ? "(global)"
                            : String.valueOf(s.get("tenant")),
                    "address",
                    Fmt.value("address", s.get("address")),
                    "reason",
                    Fmt.value("reason", s.get("reason")),
                    "added_at",
                    Fmt.value("added_at", s.get("added_at"))));
        }
        m.put("suppressions", rows);
        m.put("has_suppressions", !rows.isEmpty());
        if (p.get("next") != null) {
            m.put(
                    "next_href",
                    Console.PREFIX + "/suppressions?tenant=" + Console.enc(t) + "&q=" + Console.enc(q) + "&after="
                            + Console.enc(String.valueOf(p.get("next"))));
        }
        return m;
    }

    /** Calls the admin API in-process; the answer's body as JSON-shaped values, or the error text. */
    private Object api(String method, String resource, Map<String, List<String>> query) {
        ApiResponse r = api.handle(new ApiRequest(method, AdminApi.PREFIX + resource, query, null, "Bearer " + token));
        Object body = AdminJson.MAPPER.convertValue(r.body(), new TypeReference<Object>() {});
        if (r.status() / 100 == 2) return body;
        return body instanceof Map<?, ?> e && e.get("error") != null
                ? String.valueOf(e.get("error"))
                : "HTTP " + r.status();
    }

    private static Map<String, Object> model(String title) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", title);
        return m;
    }

    /** The keys of the rows, in first-seen order, without the hidden ones. */
    private static List<String> columns(List<?> rows, Set<String> hidden) {
        Set<String> cols = new LinkedHashSet<>();
        for (Object r : rows) {
            if (r instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (!hidden.contains(String.valueOf(k))) cols.add(String.valueOf(k));
                }
            }
        }
        return List.copyOf(cols);
    }

    private static List<String> headers(List<String> cols) {
        return cols.stream().map(Fmt::label).toList();
    }

    private static List<String> cells(Map<?, ?> row, List<String> cols) {
        return cols.stream().map(c -> Fmt.value(c, row.get(c))).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> castCells(Object cells) {
        return (List<String>) cells;
    }

    private static String joined(List<?> l) {
        List<String> s = new ArrayList<>();
        for (Object o : l) s.add(String.valueOf(o));
        return String.join(", ", s);
    }

    private static String q(OptionalDouble v) {
        return v.isPresent() ? Fmt.seconds(v.getAsDouble()) : "—";
    }

    private static String freeDisk(Path dir) {
        try {
            return Fmt.bytes(Files.getFileStore(dir).getUsableSpace());
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
