package dev.tern.core.delivery;

import dev.tern.queue.Envelope;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.HoldTarget.Kind;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The holds in force: a copy of the spool's holds column family, read by every delivery
 * thread, changed only by the queue manager's control thread ({@link #put}, {@link #remove},
 * {@link #expire}), always spool first: a hold is in force once it is durable.
 *
 * <p>Entry holds (domain, campaign, tenant, pool) are checked before routing; destination
 * holds (site, MX host, source) once the entry's destination is known.
 */
final class HoldBook {
    private final Spool spool;
    private final Function<Envelope, String> poolOf;
    private volatile Map<HoldTarget, Hold> holds;

    /** Loads the stored holds. {@code poolOf}: the egress pool a message goes out through. */
    HoldBook(Spool spool, Function<Envelope, String> poolOf) {
        this.spool = spool;
        this.poolOf = poolOf;
        Map<HoldTarget, Hold> m = new LinkedHashMap<>();
        for (Hold h : spool.holds()) m.put(h.target(), h);
        this.holds = Map.copyOf(m);
    }

    /** Every hold, by target. */
    List<Hold> list() {
        List<Hold> out = new ArrayList<>(holds.values());
        out.sort(Comparator.comparing(h -> h.target().toString()));
        return out;
    }

    Optional<Hold> get(HoldTarget t) {
        return Optional.ofNullable(holds.get(t));
    }

    /** Stores a hold (replacing one on the same target) and puts it in force. Control thread only. */
    void put(Hold h) {
        spool.putHold(h).join();
        Map<HoldTarget, Hold> m = new LinkedHashMap<>(holds);
        m.put(h.target(), h);
        holds = Map.copyOf(m);
    }

    /** Removes a hold; false if there was none. Control thread only. */
    boolean remove(HoldTarget t) {
        if (!holds.containsKey(t)) return false;
        spool.removeHold(t);
        Map<HoldTarget, Hold> m = new LinkedHashMap<>(holds);
        m.remove(t);
        holds = Map.copyOf(m);
        return true;
    }

    /** Removes and returns the holds whose expiry has come. Control thread only. */
    List<Hold> expire(Instant now) {
        List<Hold> over = new ArrayList<>();
        for (Hold h : holds.values()) if (h.expiredAt(now)) over.add(h);
        for (Hold h : over) remove(h.target());
        return over;
    }

    /** The hold on an entry itself (its domain, campaign, tenant or pool), if any. */
    Optional<Hold> onEntry(QueueEntry e) {
        Map<HoldTarget, Hold> m = holds;
        if (m.isEmpty()) return Optional.empty();
        for (Hold h : m.values()) if (matchesEntry(h.target(), e)) return Optional.of(h);
        return Optional.empty();
    }

    /** The hold on a destination (its site, one of its MX hosts, or its source), if any. */
    Optional<Hold> onDestination(SiteKey site, String source) {
        Map<HoldTarget, Hold> m = holds;
        if (m.isEmpty()) return Optional.empty();
        for (Hold h : m.values()) if (matchesDestination(h.target(), site, source)) return Optional.of(h);
        return Optional.empty();
    }

    boolean held(Destination d) {
        return onDestination(d.siteKey, d.source.name()).isPresent();
    }

    /** Whether an entry-level target covers the entry (site-level targets never do). */
    boolean matchesEntry(HoldTarget t, QueueEntry e) {
        Envelope env = e.envelope();
        return switch (t.kind()) {
            case DOMAIN -> t.value().equals(e.domain());
            case CAMPAIGN -> t.value().equals(env.campaign());
            case TENANT -> t.value().equals(env.tenant());
            case POOL -> t.value().equals(poolOf.apply(env));
            case SITE, MX_HOST, SOURCE -> false;
        };
    }

    /** Whether a destination-level target covers a destination ({@code source} "" for the default). */
    static boolean matchesDestination(HoldTarget t, SiteKey site, String source) {
        return switch (t.kind()) {
            case SITE -> t.value().equals(site.key());
            case MX_HOST -> site.hostNames().contains(t.value());
            case SOURCE -> t.value().equals(source);
            case DOMAIN, CAMPAIGN, TENANT, POOL -> false;
        };
    }

    /** Whether a target's kind is decided per destination (after routing). */
    static boolean destinationLevel(Kind k) {
        return k == Kind.SITE || k == Kind.MX_HOST || k == Kind.SOURCE;
    }
}
