package dev.tern.core.fleet;

import dev.tern.core.delivery.QueueManager;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds shared by the fleet: every hold put or released on a node (operator, automation, campaign
 * guard) is written to a Redis hash with a version counter and announced on a pub/sub channel;
 * every node applies the fleet's holds to its own queue manager (which keeps them in its spool, so
 * a node without Redis still has them). Announcements arrive within milliseconds; a poll of the
 * version every {@value Fleet#HOLD_POLL_MILLIS} ms covers a lost one, so a hold is in force
 * everywhere within a second.
 *
 * <p>Reconciling (at start, after each message, and when Redis is back): a fleet hold missing or
 * different here is applied; a hold here missing from the fleet is released here when the fleet
 * released it after it was set (a tombstone with the release time), otherwise it is published (set
 * while Redis was down, or before the node joined). Changes made while Redis is down are queued and
 * written when it is back. Expiries are not published: each node ends a timed hold by itself.
 */
final class SharedHolds implements QueueManager.HoldSync {
    private static final Logger log = LoggerFactory.getLogger(SharedHolds.class);
    static final String HOLDS = "tern:fleet:holds";
    static final String RELEASED = "tern:fleet:holds:released";
    static final String VERSION = "tern:fleet:holds:version";
    static final String CHANNEL = "tern:fleet:holds";

    static final String PUT = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('HDEL', KEYS[2], ARGV[1])
            local v = redis.call('INCR', KEYS[3])
            redis.call('PUBLISH', ARGV[3], v)
            return v
            """;

    static final String RELEASE = """
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            local v = redis.call('INCR', KEYS[3])
            redis.call('PUBLISH', ARGV[3], v)
            return v
            """;

    private static final String[] KEYS = {HOLDS, RELEASED, VERSION};

    private final FleetRedis redis;
    private final QueueManager engine;
    private final Clock clock;
    /** Changes made while Redis was unreachable, written when it is back (in order). */
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();

    private volatile String seenVersion = "";

    SharedHolds(FleetRedis redis, QueueManager engine, Clock clock) {
        this.redis = redis;
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public void held(Hold hold) {
        if (!put(hold)) pending.add(() -> put(hold));
    }

    @Override
    public void released(HoldTarget target) {
        long at = clock.millis();
        if (!release(target, at)) pending.add(() -> release(target, at));
    }

    private boolean put(Hold h) {
        try {
            redis.script(PUT, ScriptOutputType.INTEGER, KEYS, h.target().toString(), encode(h), CHANNEL);
            return true;
        } catch (FleetRedis.Unavailable e) {
            return false;
        }
    }

    private boolean release(HoldTarget t, long at) {
        try {
            redis.script(RELEASE, ScriptOutputType.INTEGER, KEYS, t.toString(), Long.toString(at), CHANNEL);
            return true;
        } catch (FleetRedis.Unavailable e) {
            return false;
        }
    }

    /** Polls the version (timer): reconciles when another node changed the fleet's holds. */
    void poll() {
        if (!redis.up()) return;
        try {
            String v = redis.call(c -> c.get(VERSION));
            if (v == null) v = "";
            if (!v.equals(seenVersion)) sync();
        } catch (FleetRedis.Unavailable e) {
            // degraded: synced when Redis is back
        }
    }

    /** Writes what waited for Redis, then makes this node's holds the fleet's (see the class comment). */
    synchronized void sync() {
        if (!redis.up()) return;
        Runnable r;
        while ((r = pending.peek()) != null) {
            r.run();
            if (!redis.up()) return; // down again: the rest (this one included) waits
            pending.poll();
        }
        try {
            String version = redis.call(c -> c.get(VERSION));
            Map<String, String> remote = redis.call(c -> c.hgetall(HOLDS));
            Map<String, String> released = redis.call(c -> c.hgetall(RELEASED));
            Instant now = clock.instant();
            Map<HoldTarget, Hold> fleet = new HashMap<>();
            List<String> expired = new ArrayList<>();
            for (Map.Entry<String, String> e : remote.entrySet()) {
                Hold h = decode(e.getValue());
                if (h == null) continue;
                if (h.expiredAt(now)) expired.add(e.getKey());
                else fleet.put(h.target(), h);
            }
            for (Hold h : fleet.values()) {
                Hold mine = engine.hold(h.target()).orElse(null);
                if (!h.equals(mine)) {
                    engine.applyShared(h);
                    if (mine == null)
                        log.info(
                                "fleet: hold on {} ({}) set on another node",
                                h.target(),
                                h.origin().wireName());
                }
            }
            Set<HoldTarget> fleetTargets = new HashSet<>(fleet.keySet());
            for (Hold mine : engine.holds()) {
                if (fleetTargets.contains(mine.target()) || mine.expiredAt(now)) continue;
                String rel = released.get(mine.target().toString());
                if (rel != null && Long.parseLong(rel) >= mine.createdAt().toEpochMilli()) {
                    engine.releaseShared(mine.target());
                    log.info("fleet: hold on {} released on another node", mine.target());
                } else {
                    put(mine); // set here while Redis was down, or before this node joined the fleet
                }
            }
            if (!expired.isEmpty()) redis.call(c -> c.hdel(HOLDS, expired.toArray(String[]::new)));
            seenVersion = version == null ? "" : version;
        } catch (FleetRedis.Unavailable e) {
            // degraded: synced again when Redis is back
        } catch (RuntimeException e) {
            log.warn("fleet: reconciling holds: {}", e.toString());
        }
    }

    /** A hold in the fleet's hash: tab-separated target kind, value, origin, created, expires ("-"), reason. */
    static String encode(Hold h) {
        return String.join(
                "\t",
                h.target().kind().prefix(),
                h.target().value(),
                h.origin().name(),
                h.createdAt().toString(),
                h.expiresAt() == null ? "-" : h.expiresAt().toString(),
                h.reason().replace('\t', ' ').replace('\n', ' '));
    }

    /** The hold encoded by {@link #encode}, or null when the value is not one (logged). */
    static Hold decode(String v) {
        try {
            String[] f = v.split("\t", 6);
            HoldTarget.Kind kind = HoldTarget.Kind.ofPrefix(f[0]);
            if (kind == null || f.length < 6) throw new IllegalArgumentException("bad target kind or field count");
            return new Hold(
                    new HoldTarget(kind, f[1]),
                    f[5],
                    HoldOrigin.valueOf(f[2]),
                    Instant.parse(f[3]),
                    f[4].equals("-") ? null : Instant.parse(f[4]));
        } catch (RuntimeException e) {
            log.warn("fleet: ignoring a malformed hold in Redis ({})", e.getMessage());
            return null;
        }
    }
}
