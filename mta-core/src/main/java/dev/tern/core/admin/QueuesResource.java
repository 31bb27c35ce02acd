package dev.tern.core.admin;

import dev.tern.core.delivery.DestinationStatus;
import dev.tern.core.metrics.SpoolScanner;
import dev.tern.queue.SpoolStats;
import java.util.Comparator;
import java.util.List;

/** {@code GET /api/v1/queues}: destinations (ready, connections, suspended), spool totals, and a bounded scan by domain, campaign and tenant. */
final class QueuesResource {
    record Totals(long messages, long entries, long bodyBytes, long leased, int inFlight, int ready, int connections) {}

    record Scan(
            long scanned,
            boolean truncated,
            long deferred,
            double oldestAgeSeconds,
            List<SpoolScanner.Group> byDomain,
            List<SpoolScanner.Group> byCampaign,
            List<SpoolScanner.Group> byTenant) {}

    record Queues(
            Totals totals, List<DestinationStatus> destinations, List<ControlResource.HoldView> holds, Scan scan) {}

    private final AdminContext ctx;

    QueuesResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Queues get() {
        SpoolScanner.Summary s = ctx.scanner().summary().join();
        List<DestinationStatus> dests = ctx.engine().destinations().stream()
                .sorted(Comparator.comparingInt((DestinationStatus d) -> d.ready() + d.connections())
                        .reversed()
                        .thenComparing(DestinationStatus::key))
                .toList();
        SpoolStats st = ctx.spool().stats();
        Totals totals = new Totals(
                st.messages(),
                st.entries(),
                st.bodyBytes(),
                st.inFlight(),
                ctx.engine().inFlight(),
                dests.stream().mapToInt(DestinationStatus::ready).sum(),
                ctx.engine().openConnections());
        double oldest = s.scanned() == 0 ? 0 : Math.max(0, ctx.clock().millis() - s.oldestReceivedAt()) / 1000.0;
        return new Queues(
                totals,
                dests,
                ctx.engine().holds().stream().map(ControlResource.HoldView::of).toList(),
                new Scan(s.scanned(), s.truncated(), s.deferred(), oldest, s.byDomain(), s.byCampaign(), s.byTenant()));
    }
}
