package dev.tern.core.delivery;

import dev.tern.bounce.Classification;
import dev.tern.bounce.LocalFailure;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.classify.SmtpReply;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.core.events.HostAttempt;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Applies the outcome of a delivery attempt to a queue entry: per-recipient states, events,
 * then one atomic spool change (complete the entry, or reschedule its open recipients by
 * the retry policy, or expire them past the message's age limit), which ends the entry's lease.
 * An operator's order on the lease is applied in the same change: a bounce bounces the
 * recipients the attempt left open, a retry makes them due at once.
 */
final class OutcomeRecorder {
    /**
     * What happened to one recipient in an attempt.
     *
     * @param local Tern's own failure (DNS, connection, TLS, local refusal) with its fixed reason, or
     *     null when a remote reply decided (classified by the rules)
     */
    record Result(RecipientStatus status, String reply, LocalFailure local) {
        Result(RecipientStatus status, String reply) {
            this(status, reply, null);
        }
    }

    /**
     * Context of the attempt, for events.
     *
     * @param tlsPolicy the TLS policy the connection ran under ("none": no TLS), or null without a connection
     * @param tried   the hosts that failed at connection level before (or instead of) a session, in order
     * @param session the host that held the session (outcome and reply unset: each recipient gets its own),
     *     or null when no session was had
     */
    record Attempt(
            String site, String remote, String source, String tlsPolicy, List<HostAttempt> tried, HostAttempt session) {
        Attempt {
            tried = tried == null ? List.of() : List.copyOf(tried);
        }

        Attempt(String site, String remote, String source) {
            this(site, remote, source, null);
        }

        Attempt(String site, String remote, String source, String tlsPolicy) {
            this(site, remote, source, tlsPolicy, List.of(), null);
        }

        /** Every host tried, the session host last with this recipient's outcome; null when none was tried. */
        List<HostAttempt> hosts(Result r) {
            if (session == null) return tried.isEmpty() ? null : tried;
            List<HostAttempt> all = new ArrayList<>(tried.size() + 1);
            all.addAll(tried);
            HostAttempt.Outcome o = switch (r.status()) {
                case DELIVERED -> HostAttempt.Outcome.DELIVERED;
                case BOUNCED -> HostAttempt.Outcome.BOUNCED;
                default -> HostAttempt.Outcome.DEFERRED;
            };
            all.add(session.withResult(o, r.reply()));
            return all;
        }
    }

    private final Spool spool;
    private final SpoolFeed feed;
    private final EventBus events;
    private final RetryPolicy retry;
    private final Clock clock;
    private final ReplyClassifier classifier;

    OutcomeRecorder(
            Spool spool, SpoolFeed feed, EventBus events, RetryPolicy retry, ReplyClassifier classifier, Clock clock) {
        this.spool = spool;
        this.feed = feed;
        this.events = events;
        this.retry = retry;
        this.classifier = classifier;
        this.clock = clock;
    }

    /**
     * Records results for the recipients named in {@code results} (others keep their state)
     * and stores the entry's new state.
     */
    CompletableFuture<Void> record(QueueEntry entry, Map<String, Result> results, Attempt attempt) {
        SpoolFeed.Order order = feed.closing(entry);
        Instant now = clock.instant();
        List<RecipientState> updated = new ArrayList<>();
        for (RecipientState r : entry.recipients()) {
            Result res = results.get(r.address());
            if (res == null || r.status().isFinal()) {
                updated.add(r);
                continue;
            }
            RecipientState next = r.with(res.status(), res.reply());
            updated.add(next);
            EventType type = switch (res.status()) {
                case DELIVERED -> EventType.DELIVERY;
                case BOUNCED -> EventType.BOUNCE;
                default -> EventType.TRANSIENT_FAILURE;
            };
            Event.Builder ev = event(type, entry, r.address(), now, attempt)
                    .reply(res.reply())
                    .attempts(next.attempts())
                    .hosts(attempt.hosts(res));
            if (res.status() != RecipientStatus.DELIVERED) {
                Classification c = res.local() != null
                        ? res.local().classification()
                        : classifier.classify(SmtpReply.parse(res.reply(), null));
                ev.reason(c.reason().id())
                        .bounceClass(c.bounceClass().label())
                        .hard(res.status() == RecipientStatus.BOUNCED && c.hard());
            }
            events.publish(ev.build());
        }
        QueueEntry next = entry.withRecipients(updated);
        if (order != null && order.kind() == SpoolFeed.Order.Kind.BOUNCE) {
            return feed.ended(entry, spool.complete(bounceOpen(next, order.reply(), now, attempt)));
        }
        boolean retryNow = order != null && order.kind() == SpoolFeed.Order.Kind.RETRY_NOW;
        return feed.ended(entry, finish(next, now, attempt, false, retryNow));
    }

    /** Records the same status and reply for every open recipient of an entry. */
    CompletableFuture<Void> recordAll(QueueEntry e, RecipientStatus status, String reply, Attempt attempt) {
        return recordAll(e, status, reply, attempt, null);
    }

    /** Like {@link #recordAll(QueueEntry, RecipientStatus, String, Attempt)} for one of Tern's own failures. */
    CompletableFuture<Void> recordAll(
            QueueEntry e, RecipientStatus status, String reply, Attempt attempt, LocalFailure local) {
        Map<String, Result> results = new java.util.HashMap<>();
        for (RecipientState r : e.open()) results.put(r.address(), new Result(status, reply, local));
        return record(e, results, attempt);
    }

    /** Ends the lease of an entry whose message is no longer spooled (nothing to record). */
    void vanished(QueueEntry entry) {
        feed.closing(entry);
        feed.ended(entry, CompletableFuture.completedFuture(null));
    }

    /** Bounces every open recipient as expired and completes the entry. */
    CompletableFuture<Void> expire(QueueEntry entry, Attempt attempt) {
        feed.closing(entry);
        return feed.ended(entry, finish(entry, clock.instant(), attempt, true, false));
    }

    /**
     * An operator's bounce: every open recipient gets {@code reply} and a {@code bounce} event
     * (reason {@code undefined}, not hard: nothing is suppressed), and the entry is completed.
     */
    CompletableFuture<Void> bounce(QueueEntry entry, String reply, Attempt attempt) {
        feed.closing(entry);
        return feed.ended(entry, spool.complete(bounceOpen(entry, reply, clock.instant(), attempt)));
    }

    private QueueEntry bounceOpen(QueueEntry entry, String reply, Instant now, Attempt attempt) {
        List<RecipientState> updated = new ArrayList<>();
        for (RecipientState r : entry.recipients()) {
            if (r.status().isFinal()) {
                updated.add(r);
                continue;
            }
            updated.add(new RecipientState(r.address(), RecipientStatus.BOUNCED, r.attempts(), reply));
            events.publish(event(EventType.BOUNCE, entry, r.address(), now, attempt)
                    .reply(reply)
                    .reason("undefined")
                    .bounceClass("other")
                    .hard(false)
                    .attempts(r.attempts())
                    .build());
        }
        return entry.withRecipients(updated);
    }

    private CompletableFuture<Void> finish(
            QueueEntry entry, Instant now, Attempt attempt, boolean forceExpire, boolean retryNow) {
        if (entry.finished()) return spool.complete(entry);
        QueueEntry attempted = entry.rescheduled(0, true);
        long next = retryNow
                ? now.toEpochMilli()
                : now.toEpochMilli() + retry.delayAfter(attempted.attempts()).toMillis();
        if (forceExpire
                || now.toEpochMilli() >= entry.envelope().expiresAt()
                || next > entry.envelope().expiresAt() + 1) {
            if (forceExpire || now.toEpochMilli() >= entry.envelope().expiresAt()) {
                return spool.complete(expireOpen(entry, now, attempt));
            }
            // the last retry happens at the age limit
            next = entry.envelope().expiresAt();
        }
        return spool.update(new QueueEntry(
                attempted.envelope(), attempted.domain(), attempted.recipients(), attempted.attempts(), next));
    }

    private QueueEntry expireOpen(QueueEntry entry, Instant now, Attempt attempt) {
        List<RecipientState> updated = new ArrayList<>();
        for (RecipientState r : entry.recipients()) {
            if (r.status().isFinal()) {
                updated.add(r);
                continue;
            }
            String last = r.lastReply().isEmpty() ? "no delivery attempt succeeded" : r.lastReply();
            updated.add(new RecipientState(r.address(), RecipientStatus.BOUNCED, r.attempts(), "expired: " + last));
            events.publish(event(EventType.EXPIRATION, entry, r.address(), now, attempt)
                    .reply(last)
                    .reason("expired")
                    .bounceClass("message-expired")
                    .hard(true)
                    .attempts(r.attempts())
                    .build());
        }
        return entry.withRecipients(updated);
    }

    private static Event.Builder event(EventType type, QueueEntry entry, String rcpt, Instant now, Attempt attempt) {
        var env = entry.envelope();
        // with VERP the envelope holds the b-TOKEN return path; events report the injected one
        String sender = env.attributes().getOrDefault("return_path", env.returnPath());
        return Event.of(type, env.messageId(), rcpt)
                .time(now)
                .sender(sender)
                .tenant(env.tenant())
                .campaign(env.campaign())
                .pool(env.pool())
                .site(attempt.site())
                .remote(attempt.remote())
                .source(attempt.source())
                .tlsPolicy(attempt.tlsPolicy())
                .size(env.bodySize())
                .fromAttributes(env.attributes());
    }
}
