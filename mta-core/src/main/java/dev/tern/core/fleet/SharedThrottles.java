package dev.tern.core.fleet;

import dev.tern.core.shaping.SharedLimit;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Site limits shared by the nodes of a fleet on Redis.
 *
 * <p><b>Message rates</b>: a generic cell rate algorithm (GCRA) in a Lua script, on Redis's clock:
 * a node asks for a batch of {@code n} tokens (the site's rate times {@code fleet.token_batch}) and
 * gets the next free window of {@code n} intervals, at most {@value #MAX_AHEAD_MILLIS} ms ahead;
 * windows never overlap, so across the fleet a site sees at most one token per interval plus one
 * batch in any period. The node spends the batch locally (its own bucket still spaces messages),
 * one round trip per batch; tokens not used by the end of their window are dropped.
 *
 * <p><b>Connections</b>: leases in a sorted set per site (member = node and connection, score =
 * expiry on Redis's clock), taken by a script that first drops expired leases; each node renews its
 * leases every third of {@code fleet.lease_ttl}, so a crashed node's connections stop counting
 * after at most one TTL.
 *
 * <p>Degraded mode (Redis unreachable): no round trip at all; the throttle enforces the local share
 * of its limits ({@link SharedLimit#localFactor}); connections opened meanwhile are leased when
 * Redis is back, so the shared count is right again at once.
 */
final class SharedThrottles implements SharedLimit.Source {
    static final long MAX_AHEAD_MILLIS = 250;
    /** After a refused lease, the pause before asking again: for a node with connections to the site, and without. */
    static final long REFUSED_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    static final long REFUSED_PAUSE_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    static final String GCRA = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval = tonumber(ARGV[1])
            local n = tonumber(ARGV[2])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tat < now then tat = now end
            local delay = tat - now
            if delay > tonumber(ARGV[3]) then return {0, delay} end
            local window = n * interval
            redis.call('SET', KEYS[1], string.format('%.0f', tat + window), 'PX', math.floor((delay + window) / 1000) + 1000)
            return {n, delay}
            """;

    static final String LEASE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[3])), ARGV[2])
            redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
            return 1
            """;

    static final String RENEW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[1])
            local expiry = string.format('%.0f', now + ttl)
            for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
            redis.call('PEXPIRE', KEYS[1], ttl * 2)
            return #ARGV - 1
            """;

    private final FleetRedis redis;
    private final String node;
    private final long batchNanos;
    private final Duration leaseTtl;
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private final AtomicLong leaseIds = new AtomicLong();

    SharedThrottles(FleetRedis redis, String node, Duration tokenBatch, Duration leaseTtl) {
        this.redis = redis;
        this.node = node;
        this.batchNanos = tokenBatch.toNanos();
        this.leaseTtl = leaseTtl;
    }

    @Override
    public Limit limit(String key) {
        return limits.computeIfAbsent(key, Limit::new);
    }

    /** Connection leases this node holds now (all sites). */
    int leases() {
        int n = 0;
        for (Limit l : limits.values()) n += l.leaseCount();
        return n;
    }

    /** Renews every lease this node holds, and leases connections opened while degraded (timer). */
    void renew() {
        if (!redis.reachable()) return;
        for (Limit l : limits.values()) l.renew();
    }

    /** Drops every lease this node holds (closing). */
    void releaseAll() {
        if (!redis.up()) return;
        for (Limit l : limits.values()) l.releaseAll();
    }

    /** The tokens asked for at once at this spacing: {@code token_batch} worth of the rate, 1 to 1000. */
    int batch(long intervalNanos) {
        return (int) Math.max(1, Math.min(1000, batchNanos / Math.max(1, intervalNanos)));
    }

    /** The shared part of one site's (or one (source, site) pair's) limits. */
    final class Limit implements SharedLimit {
        private final String[] rateKey;
        private final String[] connKey;
        private int tokens;
        private long validFrom;
        private long validUntil;
        private final ArrayDeque<String> held = new ArrayDeque<>();
        /** Connections opened while degraded, not leased yet. */
        private int unleased;
        /** After a refusal, no new lease is asked for before this (System.nanoTime). */
        private long refusedUntil;

        private boolean refused;

        Limit(String key) {
            this.rateKey = new String[] {"tern:fleet:rate:" + key};
            this.connKey = new String[] {"tern:fleet:conns:" + key};
        }

        @Override
        public double localFactor() {
            return redis.localFactor();
        }

        @Override
        public synchronized long tryMessage(long now, long intervalNanos) {
            if (!redis.shared()) return 0; // degraded or settling: the local share rules
            if (tokens > 0 && now - validUntil < 0) {
                if (now - validFrom < 0) return validFrom - now;
                tokens--;
                return 0;
            }
            tokens = 0;
            int n = batch(intervalNanos);
            long intervalMicros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(intervalNanos));
            List<Object> r;
            try {
                r = redis.script(
                        GCRA,
                        ScriptOutputType.MULTI,
                        rateKey,
                        Long.toString(intervalMicros),
                        Integer.toString(n),
                        Long.toString(TimeUnit.MILLISECONDS.toMicros(MAX_AHEAD_MILLIS)));
            } catch (FleetRedis.Unavailable e) {
                return 0; // degraded from now on: the local share rules
            }
            long granted = (Long) r.get(0);
            long delayNanos = TimeUnit.MICROSECONDS.toNanos((Long) r.get(1));
            if (granted == 0)
                return Math.max(
                        TimeUnit.MILLISECONDS.toNanos(1),
                        delayNanos
                                - TimeUnit.MILLISECONDS.toNanos(MAX_AHEAD_MILLIS)
                                + TimeUnit.MILLISECONDS.toNanos(1));
            tokens = (int) granted;
            validFrom = now + delayNanos;
            validUntil = validFrom + granted * TimeUnit.MICROSECONDS.toNanos(intervalMicros);
            if (delayNanos > 0) return delayNanos;
            tokens--;
            return 0;
        }

        @Override
        public synchronized boolean tryConnection(int max) {
            if (!redis.up()) {
                unleased++;
                return true;
            }
            // a refused lease is asked for again only after a pause (every part of delivery that may
            // open a connection asks; one round trip per pause, not per ask): shorter for a node that
            // holds no connection to the site, so that each node gets its turn
            // settling after an outage (local share in force): the lease is registered, never refused
            boolean settling = !redis.shared();
            long now = System.nanoTime();
            if (!settling && refused && now - refusedUntil < 0) return false;
            refused = false;
            String member = node + ":" + leaseIds.incrementAndGet();
            try {
                Long ok = redis.script(
                        LEASE,
                        ScriptOutputType.INTEGER,
                        connKey,
                        Integer.toString(settling ? Integer.MAX_VALUE : max),
                        member,
                        Long.toString(leaseTtl.toMillis()));
                if (ok == null || ok == 0) {
                    refused = true;
                    refusedUntil = now + (held.isEmpty() ? REFUSED_PAUSE_IDLE_NANOS : REFUSED_PAUSE_NANOS);
                    return false;
                }
                held.push(member);
            } catch (FleetRedis.Unavailable e) {
                unleased++;
            }
            return true;
        }

        @Override
        public synchronized void closed() {
            if (unleased > 0) {
                unleased--;
                return;
            }
            refused = false; // a lease of ours is free: the next ask goes to Redis at once
            String member = held.poll();
            if (member == null || !redis.up()) return; // expires with its TTL
            try {
                redis.call(c -> c.zrem(connKey[0], member));
            } catch (FleetRedis.Unavailable e) {
                // expires with its TTL
            }
        }

        synchronized int leaseCount() {
            return held.size() + unleased;
        }

        synchronized void renew() {
            while (unleased > 0) {
                held.push(node + ":" + leaseIds.incrementAndGet());
                unleased--;
            }
            if (held.isEmpty()) return;
            List<String> args = new ArrayList<>(held.size() + 1);
            args.add(Long.toString(leaseTtl.toMillis()));
            args.addAll(held);
            try {
                redis.script(RENEW, ScriptOutputType.INTEGER, connKey, args.toArray(String[]::new));
            } catch (FleetRedis.Unavailable e) {
                // degraded: renewed when Redis is back
            }
        }

        synchronized void releaseAll() {
            if (held.isEmpty()) return;
            String[] members = held.toArray(String[]::new);
            held.clear();
            try {
                redis.call(c -> c.zrem(connKey[0], members));
            } catch (FleetRedis.Unavailable e) {
                // they expire with their TTL
            }
        }
    }
}
