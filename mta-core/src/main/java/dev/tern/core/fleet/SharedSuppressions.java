package dev.tern.core.fleet;

import dev.tern.queue.Spool;
import dev.tern.queue.Suppression;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Suppression lists shared by the fleet, per tenant: an address suppressed (or unsuppressed) on any
 * node is written to the tenant's Redis hash and announced on a pub/sub channel; every other node
 * writes it into its own spool, where RCPT checks find it (no round trip at injection, and the
 * list keeps working when Redis is gone). When Redis is reached (at start and after an outage)
 * the changes made meanwhile are written, and every tenant's hash is read (in pages) into the
 * local spool. Entries a node had before it joined the fleet stay local.
 */
final class SharedSuppressions implements Spool.SuppressionListener {
    private static final Logger log = LoggerFactory.getLogger(SharedSuppressions.class);
    static final String TENANTS = "tern:fleet:supp:tenants";
    static final String CHANNEL = "tern:fleet:supp";
    private static final int PAGE = 500;

    static final String ADD = """
            redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1
            """;

    static final String REMOVE = """
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return 1
            """;

    private final FleetRedis redis;
    private final Spool spool;
    private final String node;
    private final Executor fleetThread;
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();

    SharedSuppressions(FleetRedis redis, Spool spool, String node, Executor fleetThread) {
        this.redis = redis;
        this.spool = spool;
        this.node = node;
        this.fleetThread = fleetThread;
    }

    static String hash(String tenant) {
        return "tern:fleet:supp:t:" + tenant;
    }

    // called on the spool's commit thread: hand off at once
    @Override
    public void suppressed(Suppression s) {
        fleetThread.execute(() -> {
            if (!add(s)) pending.add(() -> add(s));
        });
    }

    @Override
    public void unsuppressed(String tenant, String address) {
        fleetThread.execute(() -> {
            if (!remove(tenant, address)) pending.add(() -> remove(tenant, address));
        });
    }

    private boolean add(Suppression s) {
        String value = s.addedAt() + "\t" + clean(s.reason());
        String message = String.join("\t", "+", node, s.tenant(), s.address(), value);
        try {
            redis.script(
                    ADD,
                    ScriptOutputType.INTEGER,
                    new String[] {hash(s.tenant()), TENANTS},
                    s.tenant(),
                    s.address(),
                    value,
                    CHANNEL,
                    message);
            return true;
        } catch (FleetRedis.Unavailable e) {
            return false;
        }
    }

    private boolean remove(String tenant, String address) {
        String message = String.join("\t", "-", node, tenant, address);
        try {
            redis.script(REMOVE, ScriptOutputType.INTEGER, new String[] {hash(tenant)}, address, CHANNEL, message);
            return true;
        } catch (FleetRedis.Unavailable e) {
            return false;
        }
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }

    /** A change announced by a node (on the fleet thread): applied to the local spool unless it is ours. */
    void message(String text) {
        String[] f = text.split("\t", 6);
        if (f.length < 4 || f[1].equals(node)) return;
        String tenant = f[2];
        String address = f[3];
        if (f[0].equals("+") && f.length == 6) {
            store(tenant, address, f[4] + "\t" + f[5]);
        } else if (f[0].equals("-")) {
            spool.unsuppressLocally(tenant, address);
            log.info("fleet: {} unsuppressed for tenant '{}' on another node", address, tenant);
        }
    }

    private void store(String tenant, String address, String value) {
        int tab = value.indexOf('\t');
        long addedAt;
        try {
            addedAt = Long.parseLong(tab < 0 ? value : value.substring(0, tab));
        } catch (NumberFormatException e) {
            log.warn("fleet: ignoring a malformed suppression of {} in Redis", address);
            return;
        }
        String reason = tab < 0 ? "" : value.substring(tab + 1);
        spool.suppressLocally(new Suppression(tenant, address, reason, addedAt)).join();
    }

    /** Writes what waited for Redis, then copies every tenant's list into the local spool (fleet thread). */
    void sync() {
        Runnable r;
        while ((r = pending.peek()) != null) {
            r.run();
            if (!redis.up()) return;
            pending.poll();
        }
        try {
            Set<String> tenants = redis.call(c -> c.smembers(TENANTS));
            int copied = 0;
            for (String tenant : tenants) {
                ScanCursor cursor = ScanCursor.INITIAL;
                do {
                    ScanCursor at = cursor;
                    MapScanCursor<String, String> page =
                            redis.call(c -> c.hscan(hash(tenant), at, ScanArgs.Builder.limit(PAGE)));
                    for (Map.Entry<String, String> e : page.getMap().entrySet()) {
                        if (spool.suppression(tenant, e.getKey()).isEmpty()) {
                            store(tenant, e.getKey(), e.getValue());
                            copied++;
                        }
                    }
                    cursor = page;
                } while (!cursor.isFinished());
            }
            if (copied > 0) log.info("fleet: {} suppressions copied from the fleet into the local spool", copied);
        } catch (FleetRedis.Unavailable e) {
            // degraded: synced when Redis is back
        }
    }
}
