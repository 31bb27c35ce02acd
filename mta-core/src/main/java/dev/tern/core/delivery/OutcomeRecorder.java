package dev.tern.core.delivery;

import dev.tern.bounce.Classification;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.classify.SmtpReply;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Applies the outcome of a delivery attempt to a queue entry: per-recipient states, events,
 * then one atomic spool change (complete the entry, or reschedule its open recipients by
 * the retry policy, or expire them past the message's age limit).
 */
final class OutcomeRecorder {
    /** What happened to one recipient in an attempt. */
    record Result(RecipientStatus status, String reply) {}

    /** Context of the attempt, for events. */
    record Attempt(String site, String remote, String source) {}

    private final Spool spool;
    private final EventBus events;
    private final RetryPolicy retry;
    private final Clock clock;
    private final ReplyClassifier classifier;

    OutcomeRecorder(Spool spool, EventBus events, RetryPolicy retry, ReplyClassifier classifier, Clock clock) {
        this.spool = spool;
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
                    .attempts(next.attempts());
            if (res.status() != RecipientStatus.DELIVERED) {
                SmtpReply reply = SmtpReply.parse(res.reply(), null);
                Classification c = classifier.classify(reply);
                ev.reason(c.reason().id())
                        .bounceClass(c.bounceClass().label())
                        .hard(res.status() == RecipientStatus.BOUNCED && c.hard());
            }
            events.publish(ev.build());
        }
        return finish(entry.withRecipients(updated), now, attempt);
    }

    /** Bounces every open recipient as expired and completes the entry. */
    CompletableFuture<Void> expire(QueueEntry entry, Attempt attempt) {
        return finish(entry, clock.instant(), attempt, true);
    }

    private CompletableFuture<Void> finish(QueueEntry entry, Instant now, Attempt attempt) {
        return finish(entry, now, attempt, false);
    }

    private CompletableFuture<Void> finish(QueueEntry entry, Instant now, Attempt attempt, boolean forceExpire) {
        if (entry.finished()) return spool.complete(entry);
        QueueEntry attempted = entry.rescheduled(0, true);
        long next = now.toEpochMilli() + retry.delayAfter(attempted.attempts()).toMillis();
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
                .size(env.bodySize())
                .fromAttributes(env.attributes());
    }
}
