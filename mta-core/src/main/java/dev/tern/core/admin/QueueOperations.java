package dev.tern.core.admin;

import dev.tern.core.delivery.DeliveryEngine;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Operator actions on spooled entries: retry now, and purge (bounce) a domain's queue.
 * Blocking (spool scans): run it off the event loop.
 *
 * <p>Leases: the spool does not tell which entries the delivery engine holds (leased). An
 * entry is leased only after its next attempt time has passed, so these operations touch
 * only entries due later than {@link #SAFETY_MARGIN_MILLIS} from now: those are certainly
 * not leased, and cannot become so before the write lands. Entries due sooner are due anyway.
 */
public final class QueueOperations {
    /** Entries due sooner than this may be leased (in flight) and are left alone. */
    public static final long SAFETY_MARGIN_MILLIS = 2000;
    /** How long a purge waits for in-flight entries of the domain to come back to the spool. */
    private static final long PURGE_SETTLE_MILLIS = 3000;

    /** What a purge did. */
    public record PurgeResult(String target, int bouncedEntries, int bouncedRecipients, int skippedInFlight) {}

    /** What a retry did. */
    public record RetryResult(String target, int rescheduled) {}

    private final Spool spool;
    private final DeliveryEngine engine;
    private final EventBus events;
    private final Clock clock;

    public QueueOperations(Spool spool, DeliveryEngine engine, EventBus events, Clock clock) {
        this.spool = spool;
        this.engine = engine;
        this.events = events;
        this.clock = clock;
    }

    /** Makes the deferred entries of a domain, campaign or tenant ({@code null}: every entry) due now. */
    public RetryResult retryNow(Target target) {
        long now = clock.millis();
        List<QueueEntry> safe =
                collect(e -> (target == null || target.matches(e)) && e.nextAttemptAt() > now + SAFETY_MARGIN_MILLIS);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (QueueEntry e : safe) writes.add(spool.update(e.rescheduled(now, false)));
        int done = await(writes);
        engine.wake();
        return new RetryResult(target == null ? "all" : target.toString(), done);
    }

    /**
     * Bounces every queued recipient of a domain with the operator's reason: publishes a
     * {@code bounce} event per recipient (reason {@code undefined}, not hard: nothing is
     * suppressed) and completes the entries. The domain is suspended while this runs so that
     * entries in flight come back to the spool; entries still in flight after a few seconds
     * are counted in {@code skippedInFlight}.
     */
    public PurgeResult purge(String domain, String reason) {
        boolean wasSuspended = engine.suspendedDomains().contains(domain);
        engine.suspendDomain(domain);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PURGE_SETTLE_MILLIS);
            List<QueueEntry> all;
            long now;
            while (true) {
                now = clock.millis();
                all = collect(e -> e.domain().equals(domain));
                long cutoff = now + SAFETY_MARGIN_MILLIS;
                if (all.stream().allMatch(e -> e.nextAttemptAt() > cutoff) || System.nanoTime() > deadline) break;
                sleep(100);
            }
            long cutoff = now + SAFETY_MARGIN_MILLIS;
            String reply =
                    "554 5.0.0 purged by operator" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
            int entries = 0, recipients = 0, skipped = 0;
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (QueueEntry e : all) {
                if (e.nextAttemptAt() <= cutoff) {
                    skipped++;
                    continue;
                }
                List<RecipientState> updated = new ArrayList<>();
                Instant at = clock.instant();
                for (RecipientState r : e.recipients()) {
                    if (r.status().isFinal()) {
                        updated.add(r);
                        continue;
                    }
                    updated.add(new RecipientState(r.address(), RecipientStatus.BOUNCED, r.attempts(), reply));
                    recipients++;
                    var env = e.envelope();
                    events.publish(Event.of(EventType.BOUNCE, env.messageId(), r.address())
                            .time(at)
                            .sender(env.returnPath())
                            .tenant(env.tenant())
                            .campaign(env.campaign())
                            .pool(env.pool())
                            .size(env.bodySize())
                            .fromAttributes(env.attributes())
                            .reply(reply)
                            .reason("undefined")
                            .bounceClass("other")
                            .hard(false)
                            .attempts(r.attempts())
                            .build());
                }
                entries++;
                writes.add(spool.complete(e.withRecipients(updated)));
            }
            await(writes);
            return new PurgeResult("domain:" + domain, entries, recipients, skipped);
        } finally {
            if (!wasSuspended) engine.resumeDomain(domain);
        }
    }

    private List<QueueEntry> collect(Predicate<QueueEntry> p) {
        List<QueueEntry> out = new ArrayList<>();
        spool.forEachEntry(e -> {
            if (p.test(e)) out.add(e);
        });
        return out;
    }

    private static int await(List<CompletableFuture<Void>> writes) {
        int ok = 0;
        for (CompletableFuture<Void> w : writes) {
            try {
                w.join();
                ok++;
            } catch (RuntimeException gone) {
                // the entry was completed meanwhile: nothing to do
            }
        }
        return ok;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        }
    }
}
