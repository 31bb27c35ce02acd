package dev.tern.core.fleet;

import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.QueueManager;
import dev.tern.queue.Spool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a fleet ({@code fleet:} configured): shared site limits
 * ({@link SharedThrottles}), holds ({@link SharedHolds}) and suppressions
 * ({@link SharedSuppressions}) on one Redis, and the degraded mode when Redis is gone
 * ({@link FleetRedis}). One thread ("tern-fleet") runs the probe, lease renewal, hold polling
 * and the handling of announcements. A node without {@code fleet:} never creates one.
 */
public final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    static final long HOLD_POLL_MILLIS = 500;

    private final FleetRedis redis;
    private final SharedThrottles throttles;
    private final SharedHolds holds;
    private final SharedSuppressions suppressions;
    private final ScheduledExecutorService thread;
    private final Spool spool;
    private final String node;

    private Fleet(
            TernConfig.Fleet cfg, String node, Spool spool, QueueManager engine, MeterRegistry registry, Clock clock) {
        this.node = node;
        this.spool = spool;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tern-fleet").factory());
        this.redis = new FleetRedis(cfg.redis(), cfg.timeout(), cfg.effectiveLocalShare(), thread, registry);
        this.throttles = new SharedThrottles(redis, node, cfg.tokenBatch(), cfg.leaseTtl());
        this.holds = new SharedHolds(redis, engine, clock);
        this.suppressions = new SharedSuppressions(redis, spool, node, thread);
        Gauge.builder("tern_fleet_leases", throttles, SharedThrottles::leases)
                .description("Connection leases this node holds in the fleet")
                .register(registry);
        engine.share(throttles, holds);
        spool.suppressionListener(suppressions);
        redis.subscribe(
                (channel, message) -> thread.execute(() -> {
                    if (channel.equals(SharedHolds.CHANNEL)) holds.sync();
                    else if (channel.equals(SharedSuppressions.CHANNEL)) suppressions.message(message);
                }),
                SharedHolds.CHANNEL,
                SharedSuppressions.CHANNEL);
        redis.beforeUp(throttles::renew);
        redis.onUp(holds::sync);
        redis.onUp(suppressions::sync);
        long renewMillis = Math.max(500, cfg.leaseTtl().toMillis() / 3);
        thread.scheduleWithFixedDelay(guard(throttles::renew), renewMillis, renewMillis, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(guard(holds::poll), HOLD_POLL_MILLIS, HOLD_POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Joins the fleet: shares {@code engine}'s limits and holds and {@code spool}'s suppressions.
     * Call before the engine starts. Never fails for want of Redis: without it the node starts in
     * degraded mode and joins when Redis answers.
     */
    public static Fleet join(
            TernConfig.Fleet cfg,
            String hostname,
            Spool spool,
            QueueManager engine,
            MeterRegistry registry,
            Clock clock) {
        String node = cfg.nodeId().isEmpty() ? hostname : cfg.nodeId();
        Fleet f = new Fleet(cfg, node, spool, engine, registry, clock);
        f.thread.execute(f.redis::start);
        log.info(
                "fleet: node '{}' joins the fleet on Redis {} (local share {} of every limit while Redis is down)",
                node,
                f.redis.display(),
                cfg.effectiveLocalShare());
        return f;
    }

    /** True while limits are shared in full (Redis answers and the fleet has settled); false while degraded. */
    public boolean shared() {
        return redis.shared();
    }

    /** Redis round trips this node made so far (all purposes). */
    public long redisCommands() {
        return redis.commands();
    }

    /** This node's name in the fleet. */
    public String node() {
        return node;
    }

    private static Runnable guard(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("fleet: {}", e.toString());
            }
        };
    }

    @Override
    public void close() {
        spool.suppressionListener(null);
        try {
            thread.submit(throttles::releaseAll).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("fleet: releasing leases at close: {}", e.toString());
        }
        thread.shutdownNow();
        redis.close();
    }
}
