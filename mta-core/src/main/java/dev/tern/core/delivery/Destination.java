package dev.tern.core.delivery;

import dev.tern.core.shaping.SiteThrottle;
import dev.tern.queue.QueueEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The ready queue of one destination (an MX site or a static route, from one egress source):
 * two lanes of entries waiting for a connection (transactional mail never waits behind bulk),
 * and the connections open to it. Limits live in the site's {@link SiteThrottle} (shared by
 * every source sending to the site) and in this pair's own throttle. Guarded by its own monitor.
 */
final class Destination {
    /** The queue key: the site's key, with {@code @source} for a named egress source. */
    final String key;
    /** The site (all sources' destinations of a site share its throttle). */
    final SiteKey siteKey;
    /** {@code siteKey.key()}, made once (events name the site of every attempt). */
    final String siteName;
    /** The egress source this queue sends from. */
    final EgressSource source;

    final SiteThrottle site;
    final SiteThrottle pair;
    private volatile Route route;
    /** The TLS decision of the destination's domain(s) (see {@code tlspolicy}). */
    private volatile dev.tern.core.tlspolicy.DestinationTls tls = dev.tern.core.tlspolicy.DestinationTls.OPPORTUNISTIC;

    private final ArrayDeque<QueueEntry> transactional = new ArrayDeque<>();
    private final ArrayDeque<QueueEntry> bulk = new ArrayDeque<>();
    private int connections;
    /** Connections being opened that took their first entry from the lane already (see {@link #reserve}). */
    private int reserved;
    /** Credit of the transactional lane in the weighted pick (see {@link #poll(double)}). */
    private double credit;
    /** A delayed connection attempt is scheduled (rate limit or a site held down). */
    boolean connectScheduled;
    /** Connections waiting for mail, the most recently idle first (see {@link #park}). */
    private final ArrayDeque<Idle> idle = new ArrayDeque<>();
    /** A check for idle connections past their idle timeout is scheduled; guarded by this. */
    boolean idleSweepScheduled;
    /** Where the next entry that finds its lane full is put back in time (micros of the engine's clock); guarded by this. */
    long overflowCursorMicros;
    /** After a connection-level failure: no connection before this time (epoch millis of the engine's clock). */
    volatile long downUntil;
    /** The last failure reply of this destination (connection or transaction), or null. */
    volatile String lastError;
    /** Deferrals recorded for this destination since start. */
    final java.util.concurrent.atomic.AtomicLong deferrals = new java.util.concurrent.atomic.AtomicLong();
    /** Entries being sent now (taken from the lane, outcome not yet recorded). */
    final java.util.concurrent.atomic.AtomicInteger sending = new java.util.concurrent.atomic.AtomicInteger();
    /** Connections opened and not yet ready (waiting for the banner, EHLO or TLS). */
    final java.util.concurrent.atomic.AtomicInteger connecting = new java.util.concurrent.atomic.AtomicInteger();

    Destination(String key, SiteKey siteKey, EgressSource source, Route route, SiteThrottle site, SiteThrottle pair) {
        this.key = key;
        this.siteKey = siteKey;
        this.siteName = siteKey.key();
        this.source = source;
        this.route = route;
        this.site = site;
        this.pair = pair;
    }

    Route route() {
        return route;
    }

    void route(Route r) {
        route = r;
    }

    dev.tern.core.tlspolicy.DestinationTls tls() {
        return tls;
    }

    void tls(dev.tern.core.tlspolicy.DestinationTls t) {
        tls = t;
    }

    synchronized void add(QueueEntry e) {
        (e.envelope().transactional() ? transactional : bulk).add(e);
    }

    /**
     * The next entry: while both lanes have mail, the transactional lane gets {@code share} of
     * the picks (and always the first one), so it never waits behind more than a few bulk
     * messages; a lane alone gets every pick.
     */
    synchronized QueueEntry poll(double share) {
        if (transactional.isEmpty()) {
            credit = 0;
            return bulk.poll();
        }
        if (bulk.isEmpty()) return transactional.poll();
        credit += share;
        if (credit > 0) {
            credit -= 1;
            return transactional.poll();
        }
        return bulk.poll();
    }

    synchronized List<QueueEntry> drain() {
        List<QueueEntry> all = new ArrayList<>(transactional);
        all.addAll(bulk);
        transactional.clear();
        bulk.clear();
        return all;
    }

    /** Takes out every waiting entry that {@code p} accepts (an operator's command took them). */
    synchronized List<QueueEntry> removeIf(java.util.function.Predicate<QueueEntry> p) {
        List<QueueEntry> out = new ArrayList<>();
        for (ArrayDeque<QueueEntry> lane : List.of(transactional, bulk)) {
            lane.removeIf(e -> {
                if (!p.test(e)) return false;
                out.add(e);
                return true;
            });
        }
        return out;
    }

    synchronized int size() {
        return transactional.size() + bulk.size();
    }

    synchronized int laneSize(boolean transactionalLane) {
        return transactionalLane ? transactional.size() : bulk.size();
    }

    synchronized boolean isEmpty() {
        return transactional.isEmpty() && bulk.isEmpty();
    }

    /**
     * Whether one more connection is worth opening: work waiting beyond what the connections that
     * will take from the lane take (a connection still opening has its own first entry already).
     */
    synchronized boolean wantsConnection() {
        int n = size();
        return n > 0 && n > connections - reserved;
    }

    /** Puts an entry back at the head of its lane (a connection that took it could not send it). */
    synchronized void addFirst(QueueEntry e) {
        (e.envelope().transactional() ? transactional : bulk).addFirst(e);
    }

    /**
     * A connection being opened took its first entry from the lane: every connection opened has a
     * message to send, so no session (TLS included) ends without a MAIL because another connection
     * took the mail it was opened for.
     */
    synchronized void reserve() {
        reserved++;
    }

    /** The connection that reserved an entry is ready (or failed): it takes from the lane from now on. */
    synchronized void unreserve() {
        reserved--;
    }

    synchronized void connectionOpened() {
        connections++;
    }

    synchronized void releaseConnection() {
        connections--;
    }

    synchronized int connections() {
        return connections;
    }

    /**
     * An open connection of this destination with nothing to send: {@code resume} sends the mail
     * that arrived, {@code expire} ends the connection (idle timeout, shutdown); one of them runs.
     */
    record Idle(Runnable resume, Runnable expire, long deadlineNanos) {}

    /**
     * Parks a connection that found the lanes empty, unless mail arrived meanwhile (false: the
     * caller sends it). Checked under the lanes' lock, so mail added later finds the connection
     * in {@link #unpark}.
     */
    synchronized boolean park(Idle w) {
        if (!isEmpty()) return false;
        idle.push(w);
        return true;
    }

    /** An idle connection to take the waiting mail (the most recently parked), or null. */
    synchronized Idle unpark() {
        return isEmpty() ? null : idle.poll();
    }

    /** Takes out the idle connections whose deadline passed at {@code now} (oldest first). */
    synchronized List<Idle> expiredIdle(long now) {
        List<Idle> out = new ArrayList<>();
        while (!idle.isEmpty() && idle.peekLast().deadlineNanos() - now <= 0) out.add(idle.pollLast());
        return out;
    }

    /** The earliest idle deadline, or null when no connection is idle. */
    synchronized Long nextIdleDeadline() {
        return idle.isEmpty() ? null : idle.peekLast().deadlineNanos();
    }

    /** Takes out every idle connection (shutdown). */
    synchronized List<Idle> drainIdle() {
        List<Idle> out = new ArrayList<>(idle);
        idle.clear();
        return out;
    }

    /** The longest-idle connection, whatever waits here (to free its slot for another destination), or null. */
    synchronized Idle takeIdle() {
        return idle.pollLast();
    }

    /** Connections parked waiting for mail. */
    synchronized int idleConnections() {
        return idle.size();
    }
}
