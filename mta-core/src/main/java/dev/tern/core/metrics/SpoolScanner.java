package dev.tern.core.metrics;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A bounded scan of the spool's queue entries (at most {@code maxEntries} per scan, oldest
 * messages first since queue ids sort by reception time): counts by domain, campaign and
 * tenant, and the oldest reception time. Scans run on an executor, never on the caller's
 * thread; concurrent requests share one scan, and a result younger than {@code maxAge} is
 * reused.
 */
public final class SpoolScanner {
    /** Entries and open recipients of one domain, campaign or tenant. */
    public record Group(String name, long entries, long recipients) {}

    /**
     * One scan's result.
     *
     * @param takenAt          when the scan ended, epoch millis
     * @param scanned          entries visited
     * @param truncated        true if the scan stopped at its bound (counts are then partial)
     * @param deferred         entries visited that had at least one attempt
     * @param oldestReceivedAt reception time of the oldest message visited, epoch millis (0 if none)
     * @param byDomain         the largest groups, by entries (at most {@code top})
     * @param byCampaign       idem
     * @param byTenant         idem
     */
    public record Summary(
            long takenAt,
            long scanned,
            boolean truncated,
            long deferred,
            long oldestReceivedAt,
            List<Group> byDomain,
            List<Group> byCampaign,
            List<Group> byTenant) {}

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private final Spool spool;
    private final Clock clock;
    private final int maxEntries;
    private final int top;
    private final Duration maxAge;
    private final Executor executor;
    private volatile Summary last;
    private CompletableFuture<Summary> running;

    public SpoolScanner(Spool spool, Clock clock, int maxEntries, int top, Duration maxAge, Executor executor) {
        this.spool = spool;
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.top = top;
        this.maxAge = maxAge;
        this.executor = executor;
    }

    /** A summary at most {@code maxAge} old, scanning if needed. */
    public CompletableFuture<Summary> summary() {
        Summary s = last;
        if (s != null && clock.millis() - s.takenAt() < maxAge.toMillis()) return CompletableFuture.completedFuture(s);
        return fresh();
    }

    /** Starts a scan now (or joins the one running). */
    public synchronized CompletableFuture<Summary> fresh() {
        if (running != null && !running.isDone()) return running;
        running = CompletableFuture.supplyAsync(this::scan, executor);
        return running;
    }

    /** The last finished scan, if any. */
    public Optional<Summary> last() {
        return Optional.ofNullable(last);
    }

    private Summary scan() {
        Map<String, long[]> domains = new HashMap<>();
        Map<String, long[]> campaigns = new HashMap<>();
        Map<String, long[]> tenants = new HashMap<>();
        long[] totals = new long[3]; // scanned, deferred, oldest
        boolean truncated = false;
        try {
            spool.forEachEntry(e -> {
                if (totals[0] >= maxEntries) throw new Stop();
                totals[0]++;
                if (e.attempts() > 0) totals[1]++;
                long at = e.envelope().receivedAt();
                if (totals[2] == 0 || at < totals[2]) totals[2] = at;
                long open = open(e);
                add(domains, e.domain(), open);
                add(campaigns, e.envelope().campaign(), open);
                add(tenants, e.envelope().tenant(), open);
            });
        } catch (Stop stop) {
            truncated = true;
        }
        Summary s = new Summary(
                clock.millis(),
                totals[0],
                truncated,
                totals[1],
                totals[2],
                largest(domains),
                largest(campaigns),
                largest(tenants));
        last = s;
        return s;
    }

    private static long open(QueueEntry e) {
        long n = 0;
        for (RecipientState r : e.recipients()) if (!r.status().isFinal()) n++;
        return n;
    }

    private static void add(Map<String, long[]> groups, String name, long recipients) {
        long[] c = groups.computeIfAbsent(name == null ? "" : name, k -> new long[2]);
        c[0]++;
        c[1] += recipients;
    }

    private List<Group> largest(Map<String, long[]> groups) {
        List<Group> all = new ArrayList<>(groups.size());
        for (var g : groups.entrySet()) all.add(new Group(g.getKey(), g.getValue()[0], g.getValue()[1]));
        all.sort(Comparator.comparingLong(Group::entries).reversed().thenComparing(Group::name));
        return all.size() > top ? List.copyOf(all.subList(0, top)) : all;
    }
}
