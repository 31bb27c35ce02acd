package dev.tern.core.admin;

import dev.tern.core.delivery.DestinationStatus;
import dev.tern.core.metrics.SpoolScanner;
import dev.tern.queue.Hold;
import dev.tern.queue.SpoolStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/queues[?limit=N][&age=true]}: spool totals, one row per destination (site)
 * with what the spool holds for it and its delivery state, the holds, and a bounded scan by
 * domain, campaign and tenant. {@code limit} bounds every list (default 100); {@code age} adds
 * the qshape buckets per destination.
 */
final class QueuesResource {
    /** Most entries one request scans. */
    private static final int SCAN_LIMIT = 200_000;

    private static final int MAX_LIMIT = 10_000;

    record Totals(long messages, long entries, long bodyBytes, long leased, int inFlight, int ready, int connections) {}

    record Scan(
            long scanned,
            boolean truncated,
            long deferred,
            double oldestAgeSeconds,
            List<SpoolScanner.Group> byDomain,
            List<SpoolScanner.Group> byCampaign,
            List<SpoolScanner.Group> byTenant) {}

    /**
     * One destination: {@code queued} entries and {@code recipients} in the spool (from the scan),
     * {@code ready} in memory, {@code inFlight} being sent, {@code connections} open (of which
     * {@code connecting} wait for the banner, EHLO or TLS), its holds, oldest message age, last
     * error, next attempt, deferred entries in the spool and deferrals since start, and the
     * domains routed to the site since start ({@code domains}: at most {@value #MAX_SITE_DOMAINS},
     * sorted; {@code domainsTotal}: how many).
     */
    record Destination(
            String key,
            long queued,
            long recipients,
            int ready,
            int inFlight,
            int connections,
            int connecting,
            boolean suspended,
            List<String> holds,
            Double oldestAgeSeconds,
            String lastError,
            Instant nextAttemptAt,
            Instant heldDownUntil,
            long deferredEntries,
            long deferrals,
            List<Long> ages,
            List<String> domains,
            int domainsTotal) {}

    /** Most domains listed per site. */
    static final int MAX_SITE_DOMAINS = 10;

    record Queues(
            Totals totals,
            List<Destination> destinations,
            int destinationsTotal,
            List<String> ageBuckets,
            List<ControlResource.HoldView> holds,
            Scan scan) {}

    private final AdminContext ctx;

    QueuesResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Queues get(ApiRequest req) {
        int limit = limit(req.param("limit", "100"));
        boolean age = Boolean.parseBoolean(req.param("age", "false"));
        long now = ctx.clock().millis();
        SpoolScanner.Summary s = ctx.scanner().summary().join();
        QueueShape shape = QueueShape.scan(ctx.spool(), now, SCAN_LIMIT, ctx.engine()::siteOf);
        List<DestinationStatus> live = ctx.engine().destinations();
        List<Hold> holds = ctx.engine().holds();

        Map<String, List<DestinationStatus>> bySite = new LinkedHashMap<>();
        for (DestinationStatus d : live)
            bySite.computeIfAbsent(d.site(), k -> new ArrayList<>()).add(d);
        List<String> keys = new ArrayList<>(bySite.keySet());
        for (String k : shape.byDestination.keySet()) if (!bySite.containsKey(k)) keys.add(k);
        for (Hold h : holds) {
            String k = h.target().kind().prefix().equals("site") ? h.target().value() : null;
            if (k != null && !keys.contains(k)) keys.add(k);
        }
        List<Destination> rows = new ArrayList<>();
        for (String k : keys) rows.add(row(k, bySite.getOrDefault(k, List.of()), shape, holds, now, age));
        rows.sort(Comparator.comparingLong((Destination d) -> d.queued() + d.ready() + d.connections())
                .reversed()
                .thenComparing(Destination::key));

        SpoolStats st = ctx.spool().stats();
        Totals totals = new Totals(
                st.messages(),
                st.entries(),
                st.bodyBytes(),
                st.inFlight(),
                ctx.engine().inFlight(),
                live.stream().mapToInt(DestinationStatus::ready).sum(),
                ctx.engine().openConnections());
        double oldest = s.scanned() == 0 ? 0 : Math.max(0, now - s.oldestReceivedAt()) / 1000.0;
        return new Queues(
                totals,
                rows.subList(0, Math.min(limit, rows.size())),
                rows.size(),
                age ? buckets() : null,
                holds.stream().limit(limit).map(ControlResource.HoldView::of).toList(),
                new Scan(
                        s.scanned(),
                        s.truncated(),
                        s.deferred(),
                        oldest,
                        s.byDomain().stream().limit(limit).toList(),
                        s.byCampaign().stream().limit(limit).toList(),
                        s.byTenant().stream().limit(limit).toList()));
    }

    private Destination row(
            String key, List<DestinationStatus> live, QueueShape shape, List<Hold> holds, long now, boolean age) {
        QueueShape.Shape q = shape.byDestination.get(key);
        List<String> on = holds.stream()
                .map(h -> h.target().toString())
                .filter(t -> t.equals("site:" + key))
                .toList();
        String lastError = null;
        Instant heldDown = null;
        for (DestinationStatus d : live) {
            if (d.lastError() != null) lastError = d.lastError();
            if (d.heldDownUntil() != null
                    && (heldDown == null || d.heldDownUntil().isAfter(heldDown))) heldDown = d.heldDownUntil();
        }
        boolean suspended = !on.isEmpty() || live.stream().anyMatch(DestinationStatus::suspended);
        List<String> domains;
        try {
            domains = ctx.engine().siteDomains(dev.tern.core.delivery.SiteKey.parse(key));
        } catch (IllegalArgumentException e) {
            domains = List.of(); // a spool row of a domain not routed since start ("domain:...")
        }
        List<Long> ages = null;
        if (age) {
            ages = new ArrayList<>();
            for (long n : q == null ? new long[QueueShape.BUCKET_MINUTES.size() + 1] : q.ages) ages.add(n);
        }
        return new Destination(
                key,
                q == null ? 0 : q.entries,
                q == null ? 0 : q.recipients,
                live.stream().mapToInt(DestinationStatus::ready).sum(),
                live.stream().mapToInt(DestinationStatus::sending).sum(),
                live.stream().mapToInt(DestinationStatus::connections).sum(),
                live.stream().mapToInt(DestinationStatus::connecting).sum(),
                suspended,
                on,
                q == null ? null : Math.max(0, now - q.oldestReceivedAt) / 1000.0,
                lastError,
                q == null ? null : Instant.ofEpochMilli(q.nextAttemptAt),
                heldDown,
                q == null ? 0 : q.deferred,
                live.stream().mapToLong(DestinationStatus::deferrals).sum(),
                ages,
                domains.subList(0, Math.min(MAX_SITE_DOMAINS, domains.size())),
                domains.size());
    }

    private static List<String> buckets() {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int to : QueueShape.BUCKET_MINUTES) {
            out.add(from + "-" + to + "m");
            from = to;
        }
        out.add(from + "m+");
        return out;
    }

    private static int limit(String text) {
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_LIMIT) return n;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw ApiException.badRequest("bad limit '" + text + "': expected 1 to " + MAX_LIMIT);
    }
}
