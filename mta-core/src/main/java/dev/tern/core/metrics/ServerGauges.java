package dev.tern.core.metrics;

import dev.tern.core.delivery.DestinationStatus;
import dev.tern.core.delivery.QueueManager;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * Gauges of the queue and the spool: spool size (stats cached for a second), entries in
 * flight, ready and scheduled, open outbound connections, suspended destinations, the
 * oldest queued message's age, and per-destination ready queue and connections for the
 * {@value #TOP_DESTINATIONS} largest destinations only (bounded cardinality). Per-destination
 * rows are recomputed by {@link #refresh()}, which the /metrics handler calls before each scrape.
 */
public final class ServerGauges {
    public static final int TOP_DESTINATIONS = 20;
    private static final long STATS_TTL_MILLIS = 1000;
    private static final Duration OLDEST_REFRESH = Duration.ofSeconds(15);

    private final Spool spool;
    private final QueueManager engine;
    private final SpoolScanner scanner;
    private final Clock clock;
    private final MultiGauge ready;
    private final MultiGauge connections;
    private volatile SpoolStats stats;
    private volatile long statsAt;

    public ServerGauges(MeterRegistry registry, Spool spool, QueueManager engine, SpoolScanner scanner, Clock clock) {
        this.spool = spool;
        this.engine = engine;
        this.scanner = scanner;
        this.clock = clock;
        Gauge.builder("tern.spool.messages", this, g -> g.stats().messages())
                .description("Messages (bodies) in the spool")
                .register(registry);
        Gauge.builder("tern.spool.entries", this, g -> g.stats().entries())
                .description("Queue entries (message x destination domain) in the spool")
                .register(registry);
        Gauge.builder("tern.spool.body", this, g -> g.stats().bodyBytes())
                .baseUnit("bytes")
                .description("Bytes of message bodies in the spool")
                .register(registry);
        Gauge.builder(
                        "tern.queue.scheduled",
                        this,
                        g -> Math.max(0, g.stats().entries() - g.stats().inFlight()))
                .description("Queue entries waiting in the spool's schedule (not leased)")
                .register(registry);
        Gauge.builder("tern.queue.in.flight", engine, QueueManager::inFlight)
                .description("Entries taken by the delivery engine and not finished (ready or being sent)")
                .register(registry);
        Gauge.builder(
                        "tern.queue.ready",
                        engine,
                        e -> e.destinations().stream()
                                .mapToInt(DestinationStatus::ready)
                                .sum())
                .description("Entries in destination ready queues")
                .register(registry);
        Gauge.builder("tern.outbound.connections", engine, QueueManager::openConnections)
                .description("Outbound SMTP connections open or opening")
                .register(registry);
        Gauge.builder("tern.destinations.suspended", engine, e -> e.holds().size())
                .description("Holds in force (suspended sites, domains, campaigns, tenants, ...)")
                .register(registry);
        Gauge.builder("tern.queue.oldest.message.age", this, ServerGauges::oldestAgeSeconds)
                .baseUnit("seconds")
                .description(
                        "Age of the oldest queued message (from a bounded spool scan, refreshed every 15 s); NaN before the first scan")
                .register(registry);
        ready = MultiGauge.builder("tern.destination.ready")
                .description("Entries in the ready queue of a destination (largest " + TOP_DESTINATIONS
                        + " destinations only)")
                .register(registry);
        connections = MultiGauge.builder("tern.destination.connections")
                .description("Open outbound connections of a destination (largest " + TOP_DESTINATIONS
                        + " destinations only)")
                .register(registry);
    }

    /** Recomputes the per-destination rows (the largest destinations by ready entries and connections). */
    public void refresh() {
        List<DestinationStatus> top = engine.destinations().stream()
                .sorted(Comparator.comparingInt((DestinationStatus d) -> d.ready() + d.connections())
                        .reversed()
                        .thenComparing(DestinationStatus::key))
                .limit(TOP_DESTINATIONS)
                .toList();
        ready.register(
                top.stream()
                        .map(d -> MultiGauge.Row.of(Tags.of("destination", d.key()), d.ready()))
                        .toList(),
                true);
        connections.register(
                top.stream()
                        .map(d -> MultiGauge.Row.of(Tags.of("destination", d.key()), d.connections()))
                        .toList(),
                true);
        Duration age = Duration.ofMillis(clock.millis()
                - scanner.last().map(SpoolScanner.Summary::takenAt).orElse(0L));
        if (age.compareTo(OLDEST_REFRESH) > 0) scanner.fresh();
    }

    private SpoolStats stats() {
        long now = System.nanoTime();
        SpoolStats s = stats;
        if (s == null || now - statsAt > STATS_TTL_MILLIS * 1_000_000) {
            s = spool.stats();
            stats = s;
            statsAt = now;
        }
        return s;
    }

    private double oldestAgeSeconds() {
        return scanner.last()
                .map(s -> s.scanned() == 0 ? 0.0 : Math.max(0, clock.millis() - s.oldestReceivedAt()) / 1000.0)
                .orElse(Double.NaN);
    }
}
