package dev.tern.core.feedback;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.FeedbackStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unsubscribe requests, from the one-click listener and from mail to {@code u-TOKEN@mailto_domain}.
 * A request is evidence, not a command: it acts only when its {@link UnsubscribeTokens token}
 * verifies against what the {@link SentIndex} remembers of the message (tenant, campaign, recipient)
 * and is younger than {@code unsubscribe.token_ttl}. Then the recipient is suppressed for the
 * message's tenant (reason {@code unsubscribed}) and one {@code unsubscribe} event is published;
 * each (message, recipient) counts once (the mark is kept in the spool, so replays change nothing,
 * even after a restart).
 */
public final class Unsubscribes {
    private static final Logger log = LoggerFactory.getLogger(Unsubscribes.class);
    /** The suppression reason of an unsubscribe. */
    public static final String REASON = "unsubscribed";

    private final UnsubscribeTokens tokens;
    private final SentIndex index;
    private final SuppressionPolicy suppression;
    private final FeedbackStore store;
    private final EventBus events;
    private final Clock clock;
    private final Duration ttl;
    private final String mailtoDomain;

    /** Whence a request came: the {@code feedback_type} of its event. */
    public enum Via {
        ONE_CLICK,
        MAILTO;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** A verified token: the message and the one recipient it names. */
    public record Target(String messageId, String tenant, String campaign, String recipient) {}

    /** What a request did. */
    public enum Outcome {
        /** The recipient is now suppressed and the event published. */
        UNSUBSCRIBED,
        /** The token was used before: nothing changed. */
        ALREADY,
        /** No valid token (forged, garbled, retired key, expired, unknown message): nothing changed. */
        INVALID
    }

    public Unsubscribes(
            UnsubscribeTokens tokens,
            SentIndex index,
            SuppressionPolicy suppression,
            FeedbackStore store,
            EventBus events,
            Clock clock,
            Duration ttl,
            String mailtoDomain) {
        this.tokens = tokens;
        this.index = index;
        this.suppression = suppression;
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.ttl = ttl;
        this.mailtoDomain = mailtoDomain == null ? "" : mailtoDomain.toLowerCase(Locale.ROOT);
    }

    /** The token signer (the injection side adds tokens to List-Unsubscribe). */
    public UnsubscribeTokens tokens() {
        return tokens;
    }

    /** True when mail to this address is a mailto unsubscribe ({@code u-...@mailto_domain}). */
    public boolean handlesMailto(String address) {
        if (mailtoDomain.isEmpty() || address == null) return false;
        String a = address.strip().toLowerCase(Locale.ROOT);
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        int at = a.lastIndexOf('@');
        return at > 0 && a.substring(at + 1).equals(mailtoDomain) && a.startsWith(UnsubscribeTokens.MAILTO_PREFIX);
    }

    /** The message and recipient a token names, if it verifies now; changes nothing (a GET). */
    public Optional<Target> resolve(String token) {
        Optional<UnsubscribeTokens.Claim> claim = tokens.parse(token);
        if (claim.isEmpty()) return Optional.empty();
        UnsubscribeTokens.Claim c = claim.get();
        long now = clock.millis();
        if (now - c.issuedAtMillis() > ttl.toMillis()
                || c.issuedAtMillis() - now > Duration.ofDays(1).toMillis()) return Optional.empty();
        Optional<SentIndex.SentMessage> sent;
        try {
            sent = index.get(c.messageId());
        } catch (RuntimeException e) {
            log.warn("sent-message index lookup failed for an unsubscribe: {}", e.toString());
            throw e;
        }
        if (sent.isEmpty()) return Optional.empty();
        SentIndex.SentMessage s = sent.get();
        for (String r : s.recipients()) {
            if (tokens.verify(c, s.tenant(), s.campaign(), r))
                return Optional.of(new Target(s.messageId(), s.tenant(), s.campaign(), r));
        }
        return Optional.empty();
    }

    /**
     * Unsubscribes the recipient a token names: suppressed for its tenant (durable when this returns)
     * and one {@code unsubscribe} event, the first time; nothing for a replay or an invalid token.
     */
    public Outcome unsubscribe(String token, Via via, String client) {
        Optional<Target> target = resolve(token);
        if (target.isEmpty()) {
            log.info("unsubscribe ({}) from {} with an invalid token: changes nothing", via.label(), client);
            return Outcome.INVALID;
        }
        Target t = target.get();
        if (!FeedbackIntake.mark(store, clock, "u", t.messageId(), t.recipient())
                .join()) {
            log.info(
                    "unsubscribe of {} for {} already counted; replay from {} ignored",
                    t.recipient(),
                    t.messageId(),
                    client);
            return Outcome.ALREADY;
        }
        boolean already = suppression.find(t.tenant(), t.recipient()).isPresent();
        if (!already) suppression.suppress(t.tenant(), t.recipient(), REASON).join();
        events.publish(Event.of(EventType.UNSUBSCRIBE, t.messageId(), t.recipient())
                .time(Instant.now(clock))
                .client(client)
                .tenant(t.tenant())
                .campaign(t.campaign())
                .reason(REASON)
                .feedbackType(via.label())
                .build()
                .withSuppressed("yes"));
        return Outcome.UNSUBSCRIBED;
    }
}
