package dev.tern.core.delivery;

import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.shaping.SiteLimits;
import dev.tern.queue.Hold;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientStatus;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Takes a leased entry to its destination's ready queue: entry holds first (the entry goes back
 * to the spool), then routing (a routing failure is the attempt's outcome), the egress source,
 * destination holds and bounce windows, and the lane's size (a full lane sends the entry back
 * to the spool, due about when the site can take it); a site held down after a connection failure
 * defers its new mail at once. On the way out of a lane
 * ({@link #next}) an operator's bounce and holds set meanwhile are applied before sending.
 */
final class Dispatcher implements TransactionRunner.EntrySource {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Dispatcher.class);
    /** When entries put back by a hold without expiry are looked at again (resume makes them due at once). */
    static final long HELD_RECHECK_MILLIS = 60_000;

    private final Router router;
    private final Supplier<EgressPools> pools;
    private final DestinationRegistry registry;
    private final HoldBook holds;
    private final SpoolFeed feed;
    private final OutcomeRecorder outcomes;
    private final ReplyReactor reactor;
    private final Admission admission;
    private final Clock clock;
    private final Executor worker;
    private final Supplier<dev.tern.core.tlspolicy.TlsPolicies> tls;

    Dispatcher(
            Router router,
            Supplier<EgressPools> pools,
            DestinationRegistry registry,
            HoldBook holds,
            SpoolFeed feed,
            OutcomeRecorder outcomes,
            ReplyReactor reactor,
            Admission admission,
            Clock clock,
            Executor worker,
            Supplier<dev.tern.core.tlspolicy.TlsPolicies> tls) {
        this.tls = tls;
        this.router = router;
        this.pools = pools;
        this.registry = registry;
        this.holds = holds;
        this.feed = feed;
        this.outcomes = outcomes;
        this.reactor = reactor;
        this.admission = admission;
        this.clock = clock;
        this.worker = worker;
    }

    /** Dispatches one leased entry (routing runs asynchronously). */
    void dispatch(QueueEntry entry) {
        Optional<Hold> held = holds.onEntry(entry);
        if (held.isPresent()) {
            holdBack(entry, heldUntil(held.get()));
            return;
        }
        // the TLS decision (configured, MTA-STS, DANE) comes with the route: both are cached
        CompletableFuture<Routed> routing = router.route(entry.domain())
                .thenCompose(route -> tls.get()
                        .decide(
                                entry.domain(),
                                // the names the connections will use (MX names as published, a route's host)
                                route.hosts().stream()
                                        .map(java.net.InetSocketAddress::getHostString)
                                        .distinct()
                                        .toList(),
                                route.site() instanceof SiteKey.Relay,
                                registry.policy().config().rules())
                        .thenApply(t -> new Routed(route, t)));
        if (routing.isDone() && !registry.fleet()) {
            // both were cached: placed on this thread, without a worker per entry (nothing here waits;
            // a fleet's shared limits may ask its store, so a fleet node places entries on workers)
            Routed r = null;
            Throwable failure = null;
            try {
                r = routing.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                failure = e;
            }
            try {
                routed(entry, r == null ? null : r.route(), r == null ? null : r.tls(), failure);
            } catch (RuntimeException e) {
                log.error("placing {} for {} failed: {}", entry.messageId(), entry.domain(), e.toString(), e);
            }
            return;
        }
        routing.whenCompleteAsync(
                (r, failure) -> routed(entry, r == null ? null : r.route(), r == null ? null : r.tls(), failure),
                worker);
    }

    private record Routed(Route route, dev.tern.core.tlspolicy.DestinationTls tls) {}

    private void routed(QueueEntry entry, Route route, dev.tern.core.tlspolicy.DestinationTls tls, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            RouteException re = cause instanceof RouteException r
                    ? r
                    : new RouteException(false, "4.4.3", "routing failed: " + cause);
            RecipientStatus status = re.permanent() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
            outcomes.recordAll(
                    entry, status, re.replyText(), new Attempt(entry.domain(), null, null), re.localFailure());
            return;
        }
        Destination d = registry.destination(route, pools.get().choose(entry.envelope()), entry.domain(), tls);
        String bounce = reactor.bouncing(d.siteKey);
        if (bounce != null) {
            outcomes.recordAll(entry, RecipientStatus.BOUNCED, bounce, TransactionRunner.attempt(d, null));
            return;
        }
        Optional<Hold> held = holds.onDestination(d.siteKey, d.source.name());
        if (held.isPresent()) {
            holdBack(entry, heldUntil(held.get()));
            return;
        }
        if (admission.downFor(d) > 0) {
            // the site failed at connection level a moment ago (Postfix: a dead destination): its
            // new mail is deferred with that failure, on the retry schedule, instead of waiting in memory
            String last = d.lastError;
            String reply = last != null && last.startsWith("4") ? last : "451 4.4.1 no reachable host";
            d.deferrals.incrementAndGet();
            outcomes.recordAll(entry, RecipientStatus.DEFERRED, reply, TransactionRunner.attempt(d, null));
            return;
        }
        int lane = d.laneSize(entry.envelope().transactional());
        if (lane >= registry.policy().readyLimit()) {
            // the lane holds enough to keep the site busy: the rest waits in the spool, not on the heap
            holdBack(entry, clock.millis() + overflowHoldMillis(d, lane));
            return;
        }
        d.add(entry);
        admission.maybeConnect(d);
    }

    /** The next entry of the ready queue to send; entries bounced or held meanwhile are dealt with on the way. */
    @Override
    public QueueEntry next(Destination d) {
        QueueEntry e;
        while ((e = d.poll(registry.policy().transactionalShare())) != null) {
            SpoolFeed.Order order = feed.order(e);
            if (order != null && order.kind() == SpoolFeed.Order.Kind.BOUNCE) {
                outcomes.bounce(e, order.reply(), TransactionRunner.attempt(d, null));
                continue;
            }
            Optional<Hold> held = holds.onEntry(e).or(() -> holds.onDestination(d.siteKey, d.source.name()));
            if (held.isPresent()) {
                holdBack(e, heldUntil(held.get()));
                continue;
            }
            return e;
        }
        return null;
    }

    /**
     * Takes back an entry that a connection took but did not send (the site was held or took a
     * bounce window meanwhile, or the engine is stopping): bounced, held back, or put at the head
     * of its lane again.
     */
    @Override
    public void giveBack(Destination d, QueueEntry e) {
        String bounce = reactor.bouncing(d.siteKey);
        if (bounce != null) {
            outcomes.recordAll(e, RecipientStatus.BOUNCED, bounce, TransactionRunner.attempt(d, null));
            return;
        }
        Optional<Hold> held = holds.onEntry(e).or(() -> holds.onDestination(d.siteKey, d.source.name()));
        if (held.isPresent()) holdBack(e, heldUntil(held.get()));
        else d.addFirst(e);
    }

    /**
     * Puts a leased entry back into the spool unattempted, due at {@code dueAt} (or at its age
     * limit, if sooner); an entry at its age limit expires instead.
     */
    void holdBack(QueueEntry e, long dueAt) {
        if (clock.millis() >= e.envelope().expiresAt()) outcomes.expire(e, new Attempt(e.domain(), null, null));
        else feed.putBack(e, dueAt);
    }

    /** When an entry put back by a hold is looked at again: the hold's end, or a minute from now. */
    long heldUntil(Hold h) {
        long recheck = clock.millis() + HELD_RECHECK_MILLIS;
        return h.expiresAt() == null
                ? recheck
                : Math.min(recheck, Math.max(clock.millis(), h.expiresAt().toEpochMilli()));
    }

    /**
     * When an entry that found its lane full is due again. With a message rate, overflow entries
     * are spread at the site's pace after the lane (so a backlog comes back about when it can be
     * sent, not all at once); at most a minute ahead. Without one, after a second or so.
     */
    private long overflowHoldMillis(Destination d, int lane) {
        SiteLimits l = d.site.limits();
        if (l.messageRate() == null) return 1000 + ThreadLocalRandom.current().nextLong(500);
        long intervalMicros = Math.max(1, l.messageRate().intervalNanos() / 1000);
        long nowMicros = clock.millis() * 1000;
        long afterLane = nowMicros + intervalMicros * lane;
        long due;
        synchronized (d) {
            due = Math.max(d.overflowCursorMicros, afterLane);
            d.overflowCursorMicros = due + intervalMicros;
        }
        return Math.max(1000, Math.min((due - nowMicros) / 1000, 60_000));
    }
}
