package dev.tern.core.delivery;

import dev.tern.queue.Envelope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Egress pools: named, weighted sets of {@link EgressSource}s. A message's pool is its
 * {@code X-Tern-Pool} (the envelope's pool), else its tenant's pool, else the default pool;
 * within a pool sources take turns in proportion to their weights (weighted round robin).
 */
public final class EgressPools {
    /** A source with its weight in a pool. */
    public record Member(EgressSource source, int weight) {}

    private final Map<String, List<Member>> pools;
    private final Map<String, String> tenantPools;
    private final String defaultPool;
    private final Map<String, AtomicLong> turns = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param pools       pool name -> members (each pool has at least one member of weight >= 1)
     * @param tenantPools tenant -> pool name
     * @param defaultPool pool of messages that name none
     */
    public EgressPools(Map<String, List<Member>> pools, Map<String, String> tenantPools, String defaultPool) {
        if (!pools.containsKey(defaultPool))
            throw new IllegalArgumentException("default pool '" + defaultPool + "' is not defined");
        this.pools = Map.copyOf(pools);
        this.tenantPools = Map.copyOf(tenantPools);
        this.defaultPool = defaultPool;
    }

    /** One pool with one source. */
    public static EgressPools single(EgressSource source) {
        return new EgressPools(Map.of("default", List.of(new Member(source, 1))), Map.of(), "default");
    }

    /** The pool a message goes out through (unknown pool names fall back to the tenant's, then the default). */
    public String poolOf(Envelope env) {
        if (!env.pool().isEmpty() && pools.containsKey(env.pool())) return env.pool();
        String byTenant = env.tenant().isEmpty() ? null : tenantPools.get(env.tenant());
        if (byTenant != null && pools.containsKey(byTenant)) return byTenant;
        return defaultPool;
    }

    /** The source for a message: the next turn of its pool's weighted rotation. */
    public EgressSource choose(Envelope env) {
        String pool = poolOf(env);
        List<Member> members = pools.get(pool);
        if (members.size() == 1) return members.getFirst().source();
        int total = 0;
        for (Member m : members) total += m.weight();
        long turn = turns.computeIfAbsent(pool, p -> new AtomicLong()).getAndIncrement();
        // each cycle of `total` turns gives every member `weight` turns
        long slot = Long.remainderUnsigned(turn, total);
        for (Member m : members) {
            if (slot < m.weight()) return m.source();
            slot -= m.weight();
        }
        return members.getLast().source();
    }

    public Map<String, List<Member>> pools() {
        return pools;
    }
}
