package dev.tern.core.feedback;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import dev.tern.queue.Spool;
import dev.tern.queue.Suppression;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suppression policy over the spool's per-tenant suppression list. Tenant {@code ""} is the
 * global list: it applies to every tenant (and is the list of untagged mail).
 *
 * <p>As an {@link EventSink} it adds synchronous hard bounces ({@code bounce} events with
 * {@code hard: true}) of the configured reasons to the list of the message's tenant;
 * asynchronous bounces and complaints are suppressed by {@link FeedbackIntake}, which waits
 * for the write before acknowledging the returned mail.
 */
public final class SuppressionPolicy implements EventSink {
    private static final Logger log = LoggerFactory.getLogger(SuppressionPolicy.class);

    private final Spool spool;
    private final TernConfig.SuppressionMode mode;
    private final Set<String> reasons;
    private final Clock clock;

    public SuppressionPolicy(Spool spool, TernConfig.SuppressionSettings settings, Clock clock) {
        this.spool = spool;
        this.mode = settings.mode();
        this.reasons = Set.copyOf(settings.reasons());
        this.clock = clock;
    }

    /** True when suppressed recipients are refused (550 5.7.1), false when they are accepted and reported. */
    public boolean refuses() {
        return mode == TernConfig.SuppressionMode.REFUSE;
    }

    /** True when a hard bounce of this reason suppresses the recipient. */
    public boolean suppressesReason(String reason) {
        return reason != null && reasons.contains(reason);
    }

    /** The entry that suppresses {@code address} for {@code tenant}: the tenant's own list first, then the global one. */
    public Optional<Suppression> find(String tenant, String address) {
        String t = tenant == null ? "" : tenant;
        Optional<Suppression> s = t.isEmpty() ? Optional.empty() : spool.suppression(t, address);
        return s.isPresent() ? s : spool.suppression("", address);
    }

    /** Adds {@code address} to the tenant's list (durable when the future completes). */
    public CompletableFuture<Void> suppress(String tenant, String address, String reason) {
        String a = address.toLowerCase(Locale.ROOT);
        log.info("suppressing {} for tenant '{}': {}", a, tenant == null ? "" : tenant, reason);
        return spool.suppress(new Suppression(tenant == null ? "" : tenant, a, reason, clock.millis()));
    }

    /** The enhanced status and text of the refusal for a suppressed recipient (SubEthaSMTP adds the code). */
    public static String refusal(String address, Suppression s) {
        return "5.7.1 <" + address + ">: recipient is on the suppression list (" + s.reason() + ", since "
                + Instant.ofEpochMilli(s.addedAt()).truncatedTo(ChronoUnit.SECONDS) + ")";
    }

    @Override
    public void accept(Event e) {
        if (!e.is(EventType.BOUNCE)
                || !Boolean.TRUE.equals(e.hard())
                || !suppressesReason(e.reason())
                || e.recipient() == null) {
            return;
        }
        suppress(e.tenant(), e.recipient(), e.reason()).whenComplete((v, err) -> {
            if (err != null) log.error("could not suppress {} after a hard bounce: {}", e.recipient(), err.toString());
        });
    }
}
