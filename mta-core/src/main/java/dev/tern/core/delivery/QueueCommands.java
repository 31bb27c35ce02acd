package dev.tern.core.delivery;

import dev.tern.core.delivery.CommandResult.Bounced;
import dev.tern.core.delivery.CommandResult.HoldChanged;
import dev.tern.core.delivery.CommandResult.Retried;
import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.delivery.SpoolFeed.EntryKey;
import dev.tern.core.delivery.SpoolFeed.Lease;
import dev.tern.core.delivery.SpoolFeed.Order;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's commands (hold, release, retry, bounce), run one at a time on the queue
 * manager's control thread, the only thread that leases entries. An entry that is not leased
 * therefore stays so while a command works on it and is changed in the spool directly; a
 * leased entry gets an {@link Order} that whoever ends its lease applies. No timing guess.
 */
final class QueueCommands {
    private static final Logger log = LoggerFactory.getLogger(QueueCommands.class);

    private final Spool spool;
    private final SpoolFeed feed;
    private final HoldBook holds;
    private final DestinationRegistry registry;
    private final OutcomeRecorder outcomes;
    private final Admission admission;
    private final Dispatcher dispatcher;
    private final Router router;
    private final Supplier<EgressPools> pools;
    private final Clock clock;

    QueueCommands(
            Spool spool,
            SpoolFeed feed,
            HoldBook holds,
            DestinationRegistry registry,
            OutcomeRecorder outcomes,
            Admission admission,
            Dispatcher dispatcher,
            Router router,
            Supplier<EgressPools> pools,
            Clock clock) {
        this.spool = spool;
        this.feed = feed;
        this.holds = holds;
        this.registry = registry;
        this.outcomes = outcomes;
        this.admission = admission;
        this.dispatcher = dispatcher;
        this.router = router;
        this.pools = pools;
        this.clock = clock;
    }

    /**
     * Puts a hold in force; entries of its target waiting in ready queues go back to the spool.
     * An automation hold does not shorten a hold in force (one without expiry, or ending later).
     */
    HoldChanged hold(Hold h) {
        Optional<Hold> current = holds.get(h.target());
        if (h.origin() == HoldOrigin.AUTOMATION
                && current.isPresent()
                && (current.get().expiresAt() == null
                        || !current.get().expiresAt().isBefore(h.expiresAt()))) {
            return new HoldChanged(h.target(), current.get(), false, 0);
        }
        holds.put(h);
        long until = dispatcher.heldUntil(h);
        for (Destination d : registry.all()) {
            boolean whole = HoldBook.matchesDestination(h.target(), d.siteKey, d.source.name());
            for (QueueEntry e : d.removeIf(e -> whole || holds.matchesEntry(h.target(), e)))
                dispatcher.holdBack(e, until);
        }
        if (current.isEmpty())
            log.info("hold on {} ({}): {}", h.target(), h.origin().wireName(), h.reason());
        return new HoldChanged(h.target(), h, current.isEmpty(), 0);
    }

    /** Ends a hold; its target's entries are due at once. */
    HoldChanged release(HoldTarget t) {
        Optional<Hold> current = holds.get(t);
        if (!holds.remove(t)) return new HoldChanged(t, null, false, 0);
        log.info("hold on {} released", t);
        return new HoldChanged(t, current.orElse(null), true, retry(t).rescheduled());
    }

    /** Ends the holds whose time is over; their entries are due at once. */
    void expireHolds() {
        for (Hold h : holds.expire(clock.instant())) {
            log.info("hold on {} ({}) expired", h.target(), h.origin().wireName());
            retry(h.target());
        }
    }

    /** Makes the entries of a target (null: all) due now, and lets its destinations connect at once. */
    Retried retry(HoldTarget t) {
        long now = clock.millis();
        int count = 0;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (EntryKey k : matching(t)) {
            Lease lease = feed.lease(k);
            if (lease != null) {
                if (lease.offer(new Order(Order.Kind.RETRY_NOW, null))) {
                    count++;
                    continue;
                }
                lease.done.join();
            }
            QueueEntry fresh = fresh(k);
            if (fresh == null || fresh.nextAttemptAt() <= now) continue;
            writes.add(spool.update(fresh.rescheduled(now, false)));
            count++;
        }
        count -= failures(writes);
        for (Destination d : registry.all()) {
            if (t == null || covers(t, d)) {
                d.downUntil = 0;
                admission.maybeConnect(d);
            }
        }
        return new Retried(t == null ? "all" : t.toString(), count);
    }

    /**
     * Bounces every open recipient of a target's entries with the operator's reason; entries
     * being sent now are bounced, for the recipients the attempt leaves open, when it ends.
     */
    Bounced bounce(HoldTarget t, String reason) {
        String reply =
                "554 5.0.0 purged by operator" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
        Order order = new Order(Order.Kind.BOUNCE, reply);
        int entries = 0, recipients = 0, inFlight = 0;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (EntryKey k : matching(t)) {
            Lease lease = feed.lease(k);
            if (lease != null) {
                if (lease.offer(order)) {
                    inFlight++;
                    continue;
                }
                lease.done.join();
            }
            QueueEntry fresh = fresh(k);
            if (fresh == null) continue;
            entries++;
            recipients += fresh.open().size();
            writes.add(outcomes.bounce(fresh, reply, new Attempt(fresh.domain(), null, null)));
        }
        // ordered entries still waiting in a ready queue are bounced now, not when a connection takes them
        for (Destination d : registry.all()) {
            for (QueueEntry e :
                    d.removeIf(e -> feed.order(e) != null && feed.order(e).kind() == Order.Kind.BOUNCE)) {
                inFlight--;
                entries++;
                recipients += e.open().size();
                writes.add(outcomes.bounce(e, reply, TransactionRunner.attempt(d, null)));
            }
        }
        failures(writes);
        return new Bounced(t.toString(), entries, recipients, Math.max(0, inFlight));
    }

    /** The keys of the spool's entries that a target covers (null: every entry). */
    private List<EntryKey> matching(HoldTarget t) {
        Predicate<QueueEntry> p = matcher(t);
        List<EntryKey> keys = new ArrayList<>();
        spool.forEachEntry(e -> {
            if (p.test(e)) keys.add(EntryKey.of(e));
        });
        return keys;
    }

    private Predicate<QueueEntry> matcher(HoldTarget t) {
        if (t == null) return e -> true;
        return switch (t.kind()) {
            case DOMAIN, CAMPAIGN, TENANT, POOL -> e -> holds.matchesEntry(t, e);
            case SITE, MX_HOST -> {
                Map<String, Optional<SiteKey>> sites = new HashMap<>();
                yield e -> sites.computeIfAbsent(e.domain(), this::siteOf)
                        .map(s -> HoldBook.matchesDestination(t, s, ""))
                        .orElse(false);
            }
            case SOURCE -> {
                var poolsWithSource = pools.get().pools().entrySet().stream()
                        .filter(p -> p.getValue().stream()
                                .anyMatch(m -> m.source().name().equals(t.value())))
                        .map(Map.Entry::getKey)
                        .toList();
                yield e -> poolsWithSource.contains(pools.get().poolOf(e.envelope()));
            }
        };
    }

    /** Whether a target covers a destination (entry-level targets: if one of its domains is the target). */
    private boolean covers(HoldTarget t, Destination d) {
        if (HoldBook.destinationLevel(t.kind())) return HoldBook.matchesDestination(t, d.siteKey, d.source.name());
        return t.kind() != HoldTarget.Kind.DOMAIN
                || registry.site(d.siteKey)
                        .map(s -> s.domains().contains(t.value()))
                        .orElse(false);
    }

    /** The site of a domain: known since it was last routed, else routed now (DNS answers are cached). */
    private Optional<SiteKey> siteOf(String domain) {
        Optional<SiteKey> known = registry.siteOf(domain);
        if (known.isPresent()) return known;
        try {
            return Optional.of(router.route(domain).get(10, TimeUnit.SECONDS).site());
        } catch (Exception e) {
            return Optional.empty(); // cannot be routed now: not part of any site
        }
    }

    private QueueEntry fresh(EntryKey k) {
        for (QueueEntry e : spool.entries(k.messageId())) if (e.domain().equals(k.domain())) return e;
        return null;
    }

    /** Waits for the writes; returns how many failed (entries completed meanwhile). */
    private static int failures(List<CompletableFuture<Void>> writes) {
        int failed = 0;
        for (CompletableFuture<Void> w : writes) {
            try {
                w.join();
            } catch (RuntimeException gone) {
                failed++;
            }
        }
        return failed;
    }
}
