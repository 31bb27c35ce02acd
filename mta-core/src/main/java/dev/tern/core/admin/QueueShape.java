package dev.tern.core.admin;

import dev.tern.core.delivery.SiteKey;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the spool holds per destination (a site, or a domain not routed since start), from one
 * bounded scan: entries, open recipients, oldest message, next attempt, deferred entries, and
 * entries per age bucket (qshape: 0-5 min, 5-10, 10-20, ... 640-1280, over 1280 min).
 */
final class QueueShape {
    /** Upper ends of the age buckets, minutes; the last bucket is everything older. */
    static final List<Integer> BUCKET_MINUTES = List.of(5, 10, 20, 40, 80, 160, 320, 640, 1280);

    /** One destination's figures. */
    static final class Shape {
        long entries;
        long recipients;
        long deferred;
        long oldestReceivedAt = Long.MAX_VALUE;
        long nextAttemptAt = Long.MAX_VALUE;
        final long[] ages = new long[BUCKET_MINUTES.size() + 1];
    }

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    final Map<String, Shape> byDestination = new HashMap<>();
    long scanned;
    boolean truncated;

    /**
     * Scans at most {@code maxEntries} entries; {@code siteOf} names a domain's site if known.
     * A domain without one is keyed {@code domain:<name>}.
     */
    static QueueShape scan(Spool spool, long now, int maxEntries, Function<String, Optional<SiteKey>> siteOf) {
        QueueShape q = new QueueShape();
        Map<String, String> keys = new HashMap<>();
        try {
            spool.forEachEntry(e -> {
                if (q.scanned >= maxEntries) {
                    q.truncated = true;
                    throw new Stop();
                }
                q.scanned++;
                String key = keys.computeIfAbsent(
                        e.domain(), d -> siteOf.apply(d).map(SiteKey::key).orElse("domain:" + d));
                q.add(q.byDestination.computeIfAbsent(key, k -> new Shape()), e, now);
            });
        } catch (Stop enough) {
            // bounded: the counts are from the first maxEntries entries
        }
        return q;
    }

    private void add(Shape s, QueueEntry e, long now) {
        s.entries++;
        s.recipients += e.open().size();
        if (e.attempts() > 0) s.deferred++;
        long received = e.envelope().receivedAt();
        s.oldestReceivedAt = Math.min(s.oldestReceivedAt, received);
        s.nextAttemptAt = Math.min(s.nextAttemptAt, e.nextAttemptAt());
        long minutes = Math.max(0, now - received) / 60_000;
        int b = 0;
        while (b < BUCKET_MINUTES.size() && minutes >= BUCKET_MINUTES.get(b)) b++;
        s.ages[b]++;
    }
}
