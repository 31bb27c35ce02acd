package dev.tern.core.feedback;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import dev.tern.queue.FeedbackStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaign KPIs, per tenant and campaign, kept from the event stream: injected, delivered,
 * deferred, bounced (hard/soft), complained, unsubscribed and suppressed recipients, with the
 * rates over the whole campaign and over a sliding 24 h window (24 hourly buckets); and the
 * optional guard that pauses a campaign whose complaint, hard-bounce or unsubscribe rate
 * crosses its limit after a minimum volume.
 *
 * <p>Volume counts distinct recipients: each (message, recipient) has one outcome (delivered,
 * bounced at delivery, or expired); an asynchronous bounce later counts as a bounce but not as
 * volume again, and returned mail counts once per (message, recipient) ({@link FeedbackIntake}).
 * Rates: complaint = complaints / delivered; hard bounce = hard bounces / volume; unsubscribe =
 * unsubscribes / delivered; bounce = (hard + soft) / volume.
 *
 * <p>Figures and pause states are kept in the spool's feedback store ({@link #flush} writes the
 * changed ones, about every second and at {@link #close}), so they survive restarts. A paused
 * campaign's new injections are refused at the end of DATA with {@code 451 4.7.1}; mail already
 * queued continues. Pausing publishes {@code campaign_paused}, resuming {@code campaign_resumed};
 * after a resume the guard judges only what happens from then on. Pauses are per campaign name
 * (every tenant's campaign of that name).
 *
 * <p>Prometheus gets {@code tern_campaign_recipients{tenant,campaign,kind}} for the
 * {@code campaigns.metrics_top} most injected campaigns, and the sum of the others as
 * {@code campaign="other"}: bounded cardinality whatever clients put in X-Tern-Campaign. Memory is
 * bounded too: past {@value #MAX_CAMPAIGNS} campaigns, new ones are counted together as
 * {@code (overflow)}.
 */
public final class CampaignHealth implements EventSink {
    private static final Logger log = LoggerFactory.getLogger(CampaignHealth.class);
    private static final String KPI = "k:";
    private static final String PAUSE = "q:";
    private static final int HOURS = 24;
    /** Campaigns tracked one by one (about 2 KiB each); later ones are counted together as {@link #OVERFLOW}. */
    static final int MAX_CAMPAIGNS = 20_000;

    static final String OVERFLOW = "(overflow)";
    private static final long HOUR_MS = 3_600_000L;

    /** A campaign of a tenant (tenant "" for untagged mail). */
    public record Key(String tenant, String campaign) {
        String store() {
            return KPI + tenant + "\u0000" + campaign;
        }
    }

    /** Counts over one period and the rates derived from them. */
    public record Figures(
            long injected,
            long delivered,
            long hardBounced,
            long softBounced,
            long complained,
            long unsubscribed,
            long volume,
            double bounceRate,
            double hardBounceRate,
            double complaintRate,
            double unsubscribeRate) {
        static Figures of(long[] v) {
            long volume = v[VOLUME];
            long delivered = v[DELIVERED];
            return new Figures(
                    v[INJECTED],
                    delivered,
                    v[HARD],
                    v[SOFT],
                    v[COMPLAINED],
                    v[UNSUBSCRIBED],
                    volume,
                    ratio(v[HARD] + v[SOFT], volume),
                    ratio(v[HARD], volume),
                    ratio(v[COMPLAINED], delivered),
                    ratio(v[UNSUBSCRIBED], delivered));
        }
    }

    /** One campaign's figures at one moment. */
    public record Snapshot(
            String tenant,
            String campaign,
            long injected,
            long delivered,
            long deferred,
            long hardBounced,
            long softBounced,
            long complained,
            long unsubscribed,
            long suppressed,
            long volume,
            double bounceRate,
            double hardBounceRate,
            double complaintRate,
            double unsubscribeRate,
            Figures last24h,
            boolean paused,
            String pauseReason,
            Instant pausedAt) {}

    // indexes into the counter arrays
    private static final int INJECTED = 0,
            DELIVERED = 1,
            HARD = 2,
            SOFT = 3,
            COMPLAINED = 4,
            UNSUBSCRIBED = 5,
            VOLUME = 6,
            DEFERRED = 7,
            SUPPRESSED = 8,
            N = 9;

    private static final class Counts {
        final long[] total = new long[N];
        final long[] base = new long[N]; // totals at the last resume: the guard judges what happened since
        final long[][] hourly = new long[HOURS][N];
        final long[] hourOf = new long[HOURS]; // which hour (epoch hours) each bucket holds

        void add(int what, long hour) {
            total[what]++;
            int b = (int) Math.floorMod(hour, (long) HOURS);
            if (hourOf[b] != hour) {
                java.util.Arrays.fill(hourly[b], 0);
                hourOf[b] = hour;
            }
            hourly[b][what]++;
        }

        long[] window(long nowHour) {
            long[] out = new long[N];
            for (int b = 0; b < HOURS; b++) {
                if (hourOf[b] > nowHour - HOURS && hourOf[b] <= nowHour) {
                    for (int i = 0; i < N; i++) out[i] += hourly[b][i];
                }
            }
            return out;
        }

        byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(2 + 8 * (N * 2 + HOURS * (N + 1)));
            b.put((byte) 1).put((byte) N);
            for (long v : total) b.putLong(v);
            for (long v : base) b.putLong(v);
            for (int h = 0; h < HOURS; h++) {
                b.putLong(hourOf[h]);
                for (long v : hourly[h]) b.putLong(v);
            }
            return b.array();
        }

        static Counts decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != 1) throw new IllegalStateException("unknown campaign record version");
            int n = b.get();
            Counts c = new Counts();
            for (int i = 0; i < n; i++) c.total[i] = b.getLong();
            for (int i = 0; i < n; i++) c.base[i] = b.getLong();
            for (int h = 0; h < HOURS; h++) {
                c.hourOf[h] = b.getLong();
                for (int i = 0; i < n; i++) c.hourly[h][i] = b.getLong();
            }
            return c;
        }
    }

    private record Pause(String reason, Instant at) {}

    private final TernConfig.Guard guard;
    private final EventBus events;
    private final Clock clock;
    private final FeedbackStore store;
    private final int metricsTop;
    private final ConcurrentHashMap<Key, Counts> campaigns = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pause> pauses = new ConcurrentHashMap<>();
    private final Set<Key> dirty = ConcurrentHashMap.newKeySet();
    private final Set<String> dirtyPauses = ConcurrentHashMap.newKeySet();
    private volatile boolean overflowLogged;
    private final Counter pauseCount;
    private final MultiGauge recipients;

    /** In-memory figures (nothing kept across restarts), ten campaigns in the metrics. */
    public CampaignHealth(TernConfig.Guard guard, EventBus events, MeterRegistry registry, Clock clock) {
        this(guard, events, registry, clock, null, 10);
    }

    /**
     * @param store      where figures and pauses are kept (loaded now); null to keep them in memory only
     * @param metricsTop campaigns exported by name to the metrics
     */
    public CampaignHealth(
            TernConfig.Guard guard,
            EventBus events,
            MeterRegistry registry,
            Clock clock,
            FeedbackStore store,
            int metricsTop) {
        this.guard = guard;
        this.events = events;
        this.clock = clock;
        this.store = store;
        this.metricsTop = metricsTop;
        if (store != null) load();
        pauseCount = Counter.builder("tern.campaign.pauses")
                .description("Campaigns paused by the health guard")
                .register(registry);
        Gauge.builder("tern.campaigns.paused", this, h -> h.pauses.size())
                .description("Campaigns currently paused")
                .register(registry);
        recipients = MultiGauge.builder("tern.campaign.recipients")
                .description(
                        "Recipients per campaign by outcome (the top campaigns by injected; the rest as campaign=\"other\")")
                .register(registry);
        refreshMetrics();
    }

    private void load() {
        String after = "";
        while (true) {
            List<FeedbackStore.Entry> page = store.scan(KPI, after, 1000);
            for (FeedbackStore.Entry e : page) {
                String rest = e.key().substring(KPI.length());
                int sep = rest.indexOf('\u0000');
                if (sep < 0) continue;
                try {
                    campaigns.put(new Key(rest.substring(0, sep), rest.substring(sep + 1)), Counts.decode(e.value()));
                } catch (RuntimeException ex) {
                    log.warn("campaign record {} unreadable: {}", rest.replace('\u0000', '/'), ex.toString());
                }
            }
            if (page.size() < 1000) break;
            after = page.get(page.size() - 1).key();
        }
        for (FeedbackStore.Entry e : store.scan(PAUSE, "", 100_000)) {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            long at = b.getLong();
            String reason = StandardCharsets.UTF_8.decode(b).toString();
            pauses.put(e.key().substring(PAUSE.length()), new Pause(reason, Instant.ofEpochMilli(at)));
        }
        if (!campaigns.isEmpty() || !pauses.isEmpty())
            log.info("campaign figures loaded: {} campaign(s), {} paused", campaigns.size(), pauses.size());
    }

    @Override
    public void accept(Event e) {
        String campaign = e.campaign();
        if (campaign == null || campaign.isEmpty()) return;
        EventType type = e.kind();
        int what;
        boolean outcome = false;
        switch (type) {
            case RECEPTION -> what = INJECTED;
            case DELIVERY -> {
                what = DELIVERED;
                outcome = true;
            }
            case TRANSIENT_FAILURE -> what = DEFERRED;
            case BOUNCE -> {
                what = Boolean.TRUE.equals(e.hard()) ? HARD : SOFT;
                outcome = true;
            }
            case ASYNC_BOUNCE -> what = Boolean.TRUE.equals(e.hard()) ? HARD : SOFT; // already counted as delivered
            case EXPIRATION -> {
                what = SOFT;
                outcome = true;
            }
            case COMPLAINT -> what = COMPLAINED;
            case UNSUBSCRIBE -> what = UNSUBSCRIBED;
            case SUPPRESSED -> what = SUPPRESSED;
            default -> {
                return;
            }
        }
        Key key = new Key(e.tenant() == null ? "" : e.tenant(), campaign);
        if (campaigns.size() >= MAX_CAMPAIGNS && !campaigns.containsKey(key)) {
            // campaign names come from clients: past the cap, new ones share one record (bounded memory)
            if (!overflowLogged) {
                overflowLogged = true;
                log.warn("more than {} campaigns: new ones are counted together as '{}'", MAX_CAMPAIGNS, OVERFLOW);
            }
            key = new Key("", OVERFLOW);
        }
        Counts c = campaigns.computeIfAbsent(key, k -> new Counts());
        long hour = Math.floorDiv((e.time() == null ? clock.instant() : e.time()).toEpochMilli(), HOUR_MS);
        String trip = null;
        synchronized (c) {
            c.add(what, hour);
            if (outcome) c.add(VOLUME, hour);
            if (guard.enabled() && !pauses.containsKey(campaign)) trip = judge(c);
        }
        dirty.add(key);
        if (trip != null && pauses.putIfAbsent(campaign, new Pause(trip, clock.instant())) == null) {
            dirtyPauses.add(campaign);
            paused(campaign, key.tenant(), trip);
        }
    }

    /** Why the guard pauses the campaign now, or null. */
    private String judge(Counts c) {
        long delivered = c.total[DELIVERED] - c.base[DELIVERED];
        long hard = c.total[HARD] - c.base[HARD];
        long volume = c.total[VOLUME] - c.base[VOLUME];
        if (volume < guard.minVolume()) return null;
        double complaintRate = ratio(c.total[COMPLAINED] - c.base[COMPLAINED], delivered);
        double hardRate = ratio(hard, volume);
        double unsubscribeRate = ratio(c.total[UNSUBSCRIBED] - c.base[UNSUBSCRIBED], delivered);
        if (complaintRate > guard.maxComplaintRate())
            return reason("complaint", complaintRate, guard.maxComplaintRate(), volume);
        if (hardRate > guard.maxHardBounceRate())
            return reason("hard-bounce", hardRate, guard.maxHardBounceRate(), volume);
        if (unsubscribeRate > guard.maxUnsubscribeRate())
            return reason("unsubscribe", unsubscribeRate, guard.maxUnsubscribeRate(), volume);
        return null;
    }

    private static String reason(String what, double rate, double limit, long volume) {
        return String.format(Locale.ROOT, "%s rate %.4f > %.4f after %d recipients", what, rate, limit, volume);
    }

    private static double ratio(long a, long b) {
        return b <= 0 ? (a > 0 ? 1.0 : 0.0) : (double) a / b;
    }

    private void paused(String campaign, String tenant, String reason) {
        pauseCount.increment();
        log.warn("campaign '{}' paused: {}", campaign, reason);
        events.publish(Event.of(EventType.CAMPAIGN_PAUSED, null, null)
                .time(clock.instant())
                .campaign(campaign)
                .tenant(tenant)
                .reason("guard")
                .reply(reason)
                .build());
    }

    /** Pauses a campaign by hand (operator); false when it was already paused. */
    public boolean pause(String campaign, String reason) {
        String r = reason == null || reason.isEmpty() ? "paused by operator" : reason;
        if (pauses.putIfAbsent(campaign, new Pause(r, clock.instant())) != null) return false;
        dirtyPauses.add(campaign);
        log.warn("campaign '{}' paused: {}", campaign, r);
        events.publish(Event.of(EventType.CAMPAIGN_PAUSED, null, null)
                .time(clock.instant())
                .campaign(campaign)
                .reason("operator")
                .reply(r)
                .build());
        return true;
    }

    /** Resumes a paused campaign; the guard then judges only what happens from now on. False when it was not paused. */
    public boolean resume(String campaign) {
        if (pauses.remove(campaign) == null) return false;
        dirtyPauses.add(campaign);
        campaigns.forEach((k, c) -> {
            if (!k.campaign().equals(campaign)) return;
            synchronized (c) {
                System.arraycopy(c.total, 0, c.base, 0, N);
            }
            dirty.add(k);
        });
        log.info("campaign '{}' resumed", campaign);
        events.publish(Event.of(EventType.CAMPAIGN_RESUMED, null, null)
                .time(clock.instant())
                .campaign(campaign)
                .build());
        return true;
    }

    /** Why the campaign is paused, if it is. */
    public Optional<String> pausedReason(String campaign) {
        if (campaign == null || campaign.isEmpty()) return Optional.empty();
        return Optional.ofNullable(pauses.get(campaign)).map(Pause::reason);
    }

    /** Every campaign known (kept across restarts), by tenant then name. */
    public List<Snapshot> snapshot() {
        return campaigns.keySet().stream()
                .sorted(Comparator.comparing(Key::tenant).thenComparing(Key::campaign))
                .map(this::snapshot)
                .toList();
    }

    /** One campaign's figures summed over its tenants. */
    public Optional<Snapshot> snapshot(String campaign) {
        List<Key> keys = campaigns.keySet().stream()
                .filter(k -> k.campaign().equals(campaign))
                .toList();
        if (keys.isEmpty()) return Optional.empty();
        if (keys.size() == 1) return Optional.of(snapshot(keys.get(0)));
        return Optional.of(snapshot(new Key("*", campaign), keys));
    }

    private Snapshot snapshot(Key key) {
        return snapshot(key, List.of(key));
    }

    private Snapshot snapshot(Key shown, List<Key> keys) {
        long[] total = new long[N];
        long[] window = new long[N];
        long nowHour = Math.floorDiv(clock.millis(), HOUR_MS);
        for (Key k : keys) {
            Counts c = campaigns.get(k);
            if (c == null) continue;
            synchronized (c) {
                for (int i = 0; i < N; i++) total[i] += c.total[i];
                long[] w = c.window(nowHour);
                for (int i = 0; i < N; i++) window[i] += w[i];
            }
        }
        Figures all = Figures.of(total);
        Pause p = pauses.get(shown.campaign());
        return new Snapshot(
                shown.tenant(),
                shown.campaign(),
                total[INJECTED],
                total[DELIVERED],
                total[DEFERRED],
                total[HARD],
                total[SOFT],
                total[COMPLAINED],
                total[UNSUBSCRIBED],
                total[SUPPRESSED],
                total[VOLUME],
                all.bounceRate(),
                all.hardBounceRate(),
                all.complaintRate(),
                all.unsubscribeRate(),
                Figures.of(window),
                p != null,
                p == null ? null : p.reason(),
                p == null ? null : p.at());
    }

    /** Campaigns sorted by name that are paused now. */
    public List<String> paused() {
        return pauses.keySet().stream().sorted().toList();
    }

    /** Writes the changed figures and pause states to the store (durable when this returns) and refreshes the metrics. */
    public void flush() {
        refreshMetrics();
        if (store == null) return;
        Map<String, byte[]> writes = new LinkedHashMap<>();
        List<String> deletes = new ArrayList<>();
        for (Key k : List.copyOf(dirty)) {
            dirty.remove(k);
            Counts c = campaigns.get(k);
            if (c == null) continue;
            synchronized (c) {
                writes.put(k.store(), c.encode());
            }
        }
        for (String campaign : List.copyOf(dirtyPauses)) {
            dirtyPauses.remove(campaign);
            Pause p = pauses.get(campaign);
            if (p == null) deletes.add(PAUSE + campaign);
            else {
                byte[] r = p.reason().getBytes(StandardCharsets.UTF_8);
                writes.put(
                        PAUSE + campaign,
                        ByteBuffer.allocate(8 + r.length)
                                .putLong(p.at().toEpochMilli())
                                .put(r)
                                .array());
            }
        }
        try {
            store.putAll(writes).join();
            store.deleteAll(deletes).join();
        } catch (RuntimeException e) {
            log.warn("campaign figures not saved: {}", e.toString());
        }
    }

    private void refreshMetrics() {
        List<Map.Entry<Key, long[]>> all = new ArrayList<>();
        campaigns.forEach((k, c) -> {
            synchronized (c) {
                all.add(Map.entry(k, c.total.clone()));
            }
        });
        all.sort(Comparator.comparingLong((Map.Entry<Key, long[]> e) -> -e.getValue()[INJECTED])
                .thenComparing(e -> e.getKey().tenant())
                .thenComparing(e -> e.getKey().campaign()));
        Map<Key, long[]> shown = new HashMap<>();
        long[] other = null;
        for (int i = 0; i < all.size(); i++) {
            if (i < metricsTop) shown.put(all.get(i).getKey(), all.get(i).getValue());
            else {
                if (other == null) other = new long[N];
                for (int j = 0; j < N; j++) other[j] += all.get(i).getValue()[j];
            }
        }
        if (other != null) shown.put(new Key("other", "other"), other);
        String[] kinds = {"injected", "delivered", "hard_bounced", "soft_bounced", "complained", "unsubscribed"};
        int[] index = {INJECTED, DELIVERED, HARD, SOFT, COMPLAINED, UNSUBSCRIBED};
        List<MultiGauge.Row<?>> rows = shown.entrySet().stream()
                .flatMap(e -> java.util.stream.IntStream.range(0, kinds.length)
                        .mapToObj(i -> MultiGauge.Row.of(
                                Tags.of(
                                        "tenant", e.getKey().tenant(),
                                        "campaign", e.getKey().campaign(),
                                        "kind", kinds[i]),
                                e.getValue()[index[i]])))
                .collect(Collectors.toList());
        recipients.register(rows, true);
    }
}
