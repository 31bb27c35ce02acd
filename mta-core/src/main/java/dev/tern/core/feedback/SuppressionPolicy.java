package dev.tern.core.feedback;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.queue.FeedbackStore;
import dev.tern.queue.Spool;
import dev.tern.queue.Suppression;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
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
 * <p>As an event {@link #enrich enricher} it decides for synchronous hard bounces ({@code bounce}
 * events with {@code hard: true}) of the configured reasons and records the outcome in the event
 * ({@code suppressed: pending|yes}); asynchronous bounces are decided by {@link FeedbackIntake},
 * which waits for the write before acknowledging the returned mail. Complaints suppress at once.
 *
 * <p>Confirmation: a reason of {@code suppression.confirm_reasons} (by default hostunknown and
 * notaccept: NXDOMAIN, null MX, no address, where one answer can be a DNS glitch) only marks the
 * address pending; a second such bounce at least {@code suppression.confirm_after} after the first
 * suppresses it. Pending marks live in the spool's feedback store (they survive restarts).
 */
public final class SuppressionPolicy {
    private static final Logger log = LoggerFactory.getLogger(SuppressionPolicy.class);

    private final Spool spool;
    private final TernConfig.SuppressionMode mode;
    private final Set<String> reasons;
    private final Set<String> confirmReasons;
    private final Duration confirmAfter;
    private final FeedbackStore store;
    private final Clock clock;
    private final java.util.concurrent.atomic.LongAdder lookups = new java.util.concurrent.atomic.LongAdder();

    /** What a hard bounce did to its recipient. */
    public enum Outcome {
        /** Not a suppressing reason. */
        NONE,
        /** First answer of a reason that needs confirmation: marked, not suppressed. */
        PENDING,
        /** Suppressed. */
        YES;

        /** The value of the event's {@code suppressed} field, or null. */
        public String field() {
            return this == NONE ? null : name().toLowerCase(Locale.ROOT);
        }
    }

    /** An outcome and the write that makes it durable. */
    public record Decision(Outcome outcome, CompletableFuture<Void> write) {}

    public SuppressionPolicy(Spool spool, TernConfig.SuppressionSettings settings, Clock clock) {
        this.spool = spool;
        this.mode = settings.mode();
        this.reasons = Set.copyOf(settings.reasons());
        this.confirmReasons = Set.copyOf(settings.confirmReasons());
        this.confirmAfter = settings.confirmAfter();
        this.store = spool.feedbackStore();
        this.clock = clock;
    }

    private static final String PENDING = "p:";

    private static String pendingKey(String tenant, String address) {
        return PENDING + (tenant == null ? "" : tenant) + "\u0000" + address.toLowerCase(Locale.ROOT);
    }

    /**
     * Decides what a hard bounce of {@code reason} does to {@code address} for {@code tenant}:
     * nothing, a pending mark (first answer of a reason that needs confirmation, or a second one
     * within {@code confirm_after}), or suppression.
     */
    public synchronized Decision hardBounce(String tenant, String address, String reason) {
        if (address == null || !suppressesReason(reason))
            return new Decision(Outcome.NONE, CompletableFuture.completedFuture(null));
        if (!confirmReasons.contains(reason) || confirmAfter.isZero())
            return new Decision(Outcome.YES, suppress(tenant, address, reason));
        if (find(tenant, address).isPresent())
            return new Decision(Outcome.YES, CompletableFuture.completedFuture(null));
        String key = pendingKey(tenant, address);
        long now = clock.millis();
        Optional<byte[]> first = store.get(key);
        if (first.isEmpty()) {
            log.info(
                    "{} for {} (tenant '{}'): suppression pending, confirmed by a second one after {}",
                    reason,
                    address,
                    tenant == null ? "" : tenant,
                    confirmAfter);
            return new Decision(Outcome.PENDING, store.put(key, pending(now, reason)));
        }
        long since = ByteBuffer.wrap(first.get()).getLong();
        if (now - since < confirmAfter.toMillis())
            return new Decision(Outcome.PENDING, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> w = suppress(tenant, address, reason)
                .thenCompose(v -> store.deleteAll(List.of(key)))
                .thenApply(n -> null);
        return new Decision(Outcome.YES, w);
    }

    private static byte[] pending(long at, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + r.length).putLong(at).put(r).array();
    }

    /** Removes pending marks older than {@code age} (nothing confirmed them); returns how many. */
    public int prunePending(Duration age) {
        long before = clock.millis() - age.toMillis();
        return store.prune(
                PENDING, (k, v) -> v.length >= 8 && ByteBuffer.wrap(v).getLong() < before);
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
        Optional<Suppression> s = t.isEmpty() ? Optional.empty() : lookUp(t, address);
        return s.isPresent() ? s : lookUp("", address);
    }

    /**
     * As {@link #find} for a recipient that {@link #find} already found clear earlier in the same mail
     * transaction (at RCPT) for {@code checkedTenant} ("" for the global list only; null: not
     * checked): only the lists that check did not cover are read, so {@code tenant} equal to
     * {@code checkedTenant}, or empty, reads nothing. An entry added between RCPT and the end of DATA
     * then applies from the next transaction on, as it does for a recipient refused at RCPT.
     */
    public Optional<Suppression> findAfterRcpt(String tenant, String address, String checkedTenant) {
        if (checkedTenant == null) return find(tenant, address);
        String t = tenant == null ? "" : tenant;
        // find(checkedTenant, ...) read the global list and checkedTenant's own
        if (t.isEmpty() || t.equals(checkedTenant)) return Optional.empty();
        return lookUp(t, address);
    }

    private Optional<Suppression> lookUp(String tenant, String address) {
        lookups.increment();
        return spool.suppression(tenant, address);
    }

    /** Reads of the suppression list made by {@link #find} and {@link #findAfterRcpt} so far (tests). */
    long lookups() {
        return lookups.sum();
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

    /** Decides a synchronous hard bounce and records the outcome in its event (registered on the event bus). */
    public Event enrich(Event e) {
        if (!e.is(EventType.BOUNCE)
                || !Boolean.TRUE.equals(e.hard())
                || !suppressesReason(e.reason())
                || e.recipient() == null) {
            return e;
        }
        Decision d = hardBounce(e.tenant(), e.recipient(), e.reason());
        d.write().whenComplete((v, err) -> {
            if (err != null) log.error("could not suppress {} after a hard bounce: {}", e.recipient(), err.toString());
        });
        return e.withSuppressed(d.outcome().field());
    }
}
