package dev.tern.core.metrics;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Counts events into Prometheus counters, one increment per event (events are per
 * recipient): {@code tern_recipients_injected_total}, {@code _delivered_total},
 * {@code _deferred_total}, {@code _bounced_total}, {@code _expired_total},
 * {@code _complained_total}, {@code _suppressed_total}, {@code _async_bounce_total} (other event
 * types: {@code tern_events_<type>_total}), tagged by {@code tenant} and {@code pool} (each capped
 * by a {@link TagLimiter}; "" = none); failures also by {@code reason_class}. The former names
 * {@code tern_messages_*} are kept as deprecated aliases for one release ({@link #deprecatedName}).
 * Deferrals are also counted per site ({@code tern_site_deferrals_total{site}}, capped). Deliveries feed the {@code tern_delivery_latency_seconds} histogram
 * (reception to delivery).
 */
public final class EventMetrics implements EventSink {
    /** Distinct tenants and pools kept as tag values; the rest count as "other". */
    public static final int MAX_TAG_VALUES = 50;

    private static final java.util.Set<String> CLASSES = java.util.Set.of(
            "bad-mailbox",
            "bad-domain",
            "inactive-mailbox",
            "quota-issues",
            "spam-related",
            "policy-related",
            "routing-errors",
            "message-expired",
            "protocol-errors",
            "other");

    private final MeterRegistry registry;
    private final Function<String, OptionalLong> receivedAt;
    private final TagLimiter tenants = new TagLimiter(MAX_TAG_VALUES);
    private final TagLimiter pools = new TagLimiter(MAX_TAG_VALUES);
    private final TagLimiter sites = new TagLimiter(MAX_TAG_VALUES);
    private final Map<Key, Counter[]> counters = new ConcurrentHashMap<>();
    private final Map<String, Counter> siteDeferrals = new ConcurrentHashMap<>();
    /** By event type: the counters of an event without tenant and pool (null for failure types). */
    private final Counter[][] untagged = new Counter[EventType.values().length][];

    private final Timer deliveryLatency;
    /**
     * Reception times of recent messages, from their reception events (which the bus publishes
     * before any other event of the message). The spool lookup alone misses a message whose last
     * entry finished, and whose envelope was deleted, before its delivery event got here. A
     * direct-mapped table of (64-bit hash of the message id, epoch millis) pairs in one long array,
     * without locks or references for the collector to trace: a later message in the same slot
     * replaces the earlier, whose delivery then asks the spool.
     */
    private final long[] recentReceptions = new long[2 * MAX_RECENT_RECEPTIONS];

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Slots of the reception-time memory, a power of two (older messages are looked up in the spool). */
    static final int MAX_RECENT_RECEPTIONS = 65_536;

    /**
     * A 64-bit hash of a message id, never 0 (0 marks an empty slot): FNV-1a over the even and the
     * odd characters in two independent lanes (twice the speed of one chain of multiplications),
     * then mixed.
     */
    static long idHash(String messageId) {
        int n = messageId.length();
        long a = 0xcbf29ce484222325L;
        long b = 0x84222325cbf29ce4L ^ n;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            a = (a ^ messageId.charAt(i)) * 0x100000001b3L;
            b = (b ^ messageId.charAt(i + 1)) * 0x100000001b3L;
        }
        if (i < n) a = (a ^ messageId.charAt(i)) * 0x100000001b3L;
        long h = (a ^ Long.rotateLeft(b, 31)) * 0x9e3779b97f4a7c15L;
        h ^= h >>> 29;
        return h == 0 ? 1 : h;
    }

    private static int slot(long hash) {
        return 2 * (int) ((hash ^ (hash >>> 32)) & (MAX_RECENT_RECEPTIONS - 1));
    }

    /** Remembers the first reception time of a message (one reception event per recipient). */
    private void received(String messageId, long millis) {
        long h = idHash(messageId);
        int i = slot(h);
        if ((long) LONGS.getAcquire(recentReceptions, i) == h) return;
        LONGS.setRelease(recentReceptions, i + 1, millis);
        LONGS.setRelease(recentReceptions, i, h); // the key last: a reader that sees it sees the time
    }

    /** The remembered reception time of a message, or {@link Long#MIN_VALUE}. */
    private long receivedRecently(String messageId) {
        long h = idHash(messageId);
        int i = slot(h);
        if ((long) LONGS.getAcquire(recentReceptions, i) != h) return Long.MIN_VALUE;
        long millis = (long) LONGS.getAcquire(recentReceptions, i + 1);
        // another message took the slot meanwhile: the time may be its own
        return (long) LONGS.getAcquire(recentReceptions, i) == h ? millis : Long.MIN_VALUE;
    }

    private record Key(EventType type, String tenant, String pool, String reasonClass) {}

    /**
     * @param receivedAt reception time (epoch millis) of a spooled message by id, or empty;
     *     called on the publishing thread for each delivery event
     */
    public EventMetrics(MeterRegistry registry, Function<String, OptionalLong> receivedAt) {
        this.registry = registry;
        this.receivedAt = receivedAt;
        this.deliveryLatency = Timer.builder("tern.delivery.latency")
                .description("Time from reception to delivery, per delivered recipient")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofDays(3))
                .register(registry);
        // Every series exists from the start (at zero), so rates and dashboards work before traffic.
        for (EventType t : EventType.values()) {
            Counter[] c = counter(new Key(t, TagLimiter.NONE, TagLimiter.NONE, failure(t) ? "other" : null));
            if (!failure(t)) untagged[t.ordinal()] = c; // failures are counted by reason class too
        }
    }

    @Override
    public void accept(Event e) {
        EventType type = e.kind();
        Counter[] plain = untagged[type.ordinal()];
        Counter[] cs;
        if (plain != null && TagLimiter.isNone(e.tenant()) && TagLimiter.isNone(e.pool())) {
            cs = plain; // the usual case without tenant and pool: no key, no map lookup
        } else {
            String reasonClass = null;
            if (failure(type))
                reasonClass = e.bounceClass() != null && CLASSES.contains(e.bounceClass()) ? e.bounceClass() : "other";
            cs = counter(new Key(type, tenants.apply(e.tenant()), pools.apply(e.pool()), reasonClass));
        }
        for (Counter c : cs) c.increment();
        if (type == EventType.TRANSIENT_FAILURE && e.site() != null && !e.site().isEmpty()) {
            siteDeferrals
                    .computeIfAbsent(
                            sites.apply(e.site()),
                            site -> Counter.builder("tern.site.deferrals")
                                    .description("Deferred delivery attempts per recipient, by destination site")
                                    .tag("site", site)
                                    .register(registry))
                    .increment();
        }
        if (type == EventType.RECEPTION && e.time() != null && e.messageId() != null)
            received(e.messageId(), e.time().toEpochMilli());
        if (type == EventType.DELIVERY && e.time() != null && e.messageId() != null) {
            long recent = receivedRecently(e.messageId());
            OptionalLong at = recent != Long.MIN_VALUE ? OptionalLong.of(recent) : receivedAt.apply(e.messageId());
            if (at.isPresent()) {
                long millis = e.time().toEpochMilli() - at.getAsLong();
                if (millis >= 0) deliveryLatency.record(millis, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static boolean failure(EventType t) {
        return t == EventType.BOUNCE || t == EventType.TRANSIENT_FAILURE || t == EventType.ASYNC_BOUNCE;
    }

    /** The counter of {@code k} and, for the per-recipient counts, its deprecated tern_messages_* alias. */
    private Counter[] counter(Key k) {
        return counters.computeIfAbsent(k, key -> {
            String name = name(key.type());
            String alias = deprecatedName(key.type());
            Counter[] out = new Counter[alias == null ? 1 : 2];
            out[0] = build(name, description(key.type()), key);
            if (alias != null)
                out[1] =
                        build(alias, "Deprecated alias of " + prometheus(name) + " (removed in the next release)", key);
            return out;
        });
    }

    private Counter build(String name, String description, Key key) {
        Counter.Builder b = Counter.builder(name)
                .description(description)
                .tag("tenant", key.tenant())
                .tag("pool", key.pool());
        if (key.reasonClass() != null) b.tag("reason_class", key.reasonClass());
        return b.register(registry);
    }

    private static String prometheus(String name) {
        return name.replace('.', '_') + "_total";
    }

    /**
     * The name these counters had before they said what they count (recipients), kept for one
     * release: null for event types that had no other name.
     */
    public static String deprecatedName(EventType t) {
        return switch (t) {
            case RECEPTION -> "tern.messages.injected";
            case DELIVERY -> "tern.messages.delivered";
            case TRANSIENT_FAILURE -> "tern.messages.deferred";
            case BOUNCE -> "tern.messages.bounced";
            case EXPIRATION -> "tern.messages.expired";
            case COMPLAINT -> "tern.messages.complained";
            case SUPPRESSED -> "tern.messages.suppressed";
            case ASYNC_BOUNCE -> "tern.messages.async.bounce";
            default -> null;
        };
    }

    /** The Micrometer name of the counter of an event type (Prometheus: dots become _, plus _total). */
    public static String name(EventType t) {
        return switch (t) {
            case RECEPTION -> "tern.recipients.injected";
            case DELIVERY -> "tern.recipients.delivered";
            case TRANSIENT_FAILURE -> "tern.recipients.deferred";
            case BOUNCE -> "tern.recipients.bounced";
            case EXPIRATION -> "tern.recipients.expired";
            case COMPLAINT -> "tern.recipients.complained";
            case SUPPRESSED -> "tern.recipients.suppressed";
            case ASYNC_BOUNCE -> "tern.recipients.async.bounce";
            default -> "tern.events." + t.wireName().replace('_', '.');
        };
    }

    private static String description(EventType t) {
        return switch (t) {
            case RECEPTION -> "Recipients accepted at injection";
            case DELIVERY -> "Recipients delivered (2xx)";
            case TRANSIENT_FAILURE -> "Delivery attempts temporarily failed (deferred), per recipient";
            case BOUNCE -> "Recipients permanently failed (5xx, or purged)";
            case EXPIRATION -> "Recipients expired after the maximum age";
            case COMPLAINT -> "Feedback-loop complaints";
            case ASYNC_BOUNCE -> "Bounces received later as DSN mail";
            case SUPPRESSED -> "Recipients refused or dropped by the suppression list";
            default -> "Events of type " + t.wireName();
        };
    }
}
