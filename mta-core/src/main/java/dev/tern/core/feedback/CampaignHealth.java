package dev.tern.core.feedback;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-campaign counters kept from the event stream (injected, delivered, deferred, hard and
 * soft bounced, complained, suppressed) and the optional guard that pauses a campaign whose
 * complaint or hard-bounce rate crosses its threshold after a minimum volume.
 *
 * <p>Counters live in memory and start from zero at each start of Tern (the event log keeps
 * the history). A paused campaign's new injections are refused at the end of DATA with
 * {@code 451 4.7.1} (the injecting platform keeps them and retries), so nothing new of the
 * campaign enters the queue until an operator calls {@link #resume}; mail already queued
 * continues. Pausing publishes a {@code campaign_paused} event, resuming {@code campaign_resumed};
 * rates are judged again only on what happens after a resume. Pause state is in memory too.
 *
 * <p>Rates: complaint rate = complaints / delivered; hard-bounce rate = hard bounces (synchronous
 * and asynchronous) / (delivered + bounced); volume = delivered + bounced.
 */
public final class CampaignHealth implements EventSink {
    private static final Logger log = LoggerFactory.getLogger(CampaignHealth.class);

    /** One campaign's figures at one moment. */
    public record Snapshot(
            String campaign,
            long injected,
            long delivered,
            long deferred,
            long hardBounced,
            long softBounced,
            long complained,
            long suppressed,
            double hardBounceRate,
            double complaintRate,
            boolean paused,
            String pauseReason,
            Instant pausedAt) {}

    private static final class Counts {
        long injected, delivered, deferred, hard, soft, complained, suppressed;
        // values at the last resume: the guard judges what happened since
        long baseDelivered, baseHard, baseSoft, baseComplained;
        String pauseReason;
        Instant pausedAt;
    }

    private final TernConfig.Guard guard;
    private final EventBus events;
    private final Clock clock;
    private final ConcurrentHashMap<String, Counts> campaigns = new ConcurrentHashMap<>();
    private final Counter pauses;

    public CampaignHealth(TernConfig.Guard guard, EventBus events, MeterRegistry registry, Clock clock) {
        this.guard = guard;
        this.events = events;
        this.clock = clock;
        pauses = Counter.builder("tern.campaign.pauses")
                .description("Campaigns paused by the health guard")
                .register(registry);
        Gauge.builder("tern.campaigns.paused", this, h -> h.pausedCount())
                .description("Campaigns currently paused")
                .register(registry);
    }

    @Override
    public void accept(Event e) {
        String campaign = e.campaign();
        if (campaign == null || campaign.isEmpty()) return;
        EventType type = e.kind();
        if (type == EventType.CAMPAIGN_PAUSED || type == EventType.CAMPAIGN_RESUMED) return;
        Counts c = campaigns.computeIfAbsent(campaign, k -> new Counts());
        String trip = null;
        synchronized (c) {
            switch (type) {
                case RECEPTION -> c.injected++;
                case DELIVERY -> c.delivered++;
                case TRANSIENT_FAILURE -> c.deferred++;
                case BOUNCE, ASYNC_BOUNCE -> {
                    if (Boolean.TRUE.equals(e.hard())) c.hard++;
                    else c.soft++;
                }
                case EXPIRATION -> c.soft++;
                case COMPLAINT -> c.complained++;
                case SUPPRESSED -> c.suppressed++;
                default -> {}
            }
            if (guard.enabled() && c.pausedAt == null) trip = judge(c);
            if (trip != null) {
                c.pauseReason = trip;
                c.pausedAt = clock.instant();
            }
        }
        if (trip != null) paused(campaign, trip);
    }

    /** Why the guard pauses the campaign now, or null. */
    private String judge(Counts c) {
        long delivered = c.delivered - c.baseDelivered;
        long hard = c.hard - c.baseHard;
        long volume = delivered + hard + (c.soft - c.baseSoft);
        if (volume < guard.minVolume()) return null;
        double complaintRate = (double) (c.complained - c.baseComplained) / Math.max(1, delivered);
        double hardRate = (double) hard / Math.max(1, volume);
        if (complaintRate > guard.maxComplaintRate()) {
            return String.format(
                    java.util.Locale.ROOT,
                    "complaint rate %.4f > %.4f after %d recipients",
                    complaintRate,
                    guard.maxComplaintRate(),
                    volume);
        }
        if (hardRate > guard.maxHardBounceRate()) {
            return String.format(
                    java.util.Locale.ROOT,
                    "hard-bounce rate %.4f > %.4f after %d recipients",
                    hardRate,
                    guard.maxHardBounceRate(),
                    volume);
        }
        return null;
    }

    private void paused(String campaign, String reason) {
        pauses.increment();
        log.warn("campaign '{}' paused: {}", campaign, reason);
        events.publish(Event.of(EventType.CAMPAIGN_PAUSED, null, null)
                .time(clock.instant())
                .campaign(campaign)
                .reason("guard")
                .reply(reason)
                .build());
    }

    /** Pauses a campaign by hand (operator); false when it was already paused. */
    public boolean pause(String campaign, String reason) {
        Counts c = campaigns.computeIfAbsent(campaign, k -> new Counts());
        synchronized (c) {
            if (c.pausedAt != null) return false;
            c.pauseReason = reason == null || reason.isEmpty() ? "paused by operator" : reason;
            c.pausedAt = clock.instant();
        }
        log.warn("campaign '{}' paused: {}", campaign, reason);
        events.publish(Event.of(EventType.CAMPAIGN_PAUSED, null, null)
                .time(clock.instant())
                .campaign(campaign)
                .reason("operator")
                .reply(reason)
                .build());
        return true;
    }

    /** Resumes a paused campaign; the guard then judges only what happens from now on. False when it was not paused. */
    public boolean resume(String campaign) {
        Counts c = campaigns.get(campaign);
        if (c == null) return false;
        synchronized (c) {
            if (c.pausedAt == null) return false;
            c.pausedAt = null;
            c.pauseReason = null;
            c.baseDelivered = c.delivered;
            c.baseHard = c.hard;
            c.baseSoft = c.soft;
            c.baseComplained = c.complained;
        }
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
        Counts c = campaigns.get(campaign);
        if (c == null) return Optional.empty();
        synchronized (c) {
            return Optional.ofNullable(c.pausedAt == null ? null : c.pauseReason);
        }
    }

    /** All campaigns seen since start, by name. */
    public List<Snapshot> snapshot() {
        return campaigns.keySet().stream()
                .sorted()
                .map(k -> snapshot(k).orElseThrow())
                .toList();
    }

    public Optional<Snapshot> snapshot(String campaign) {
        Counts c = campaigns.get(campaign);
        if (c == null) return Optional.empty();
        synchronized (c) {
            long volume = c.delivered + c.hard + c.soft;
            return Optional.of(new Snapshot(
                    campaign,
                    c.injected,
                    c.delivered,
                    c.deferred,
                    c.hard,
                    c.soft,
                    c.complained,
                    c.suppressed,
                    volume == 0 ? 0 : (double) c.hard / volume,
                    c.delivered == 0 ? 0 : (double) c.complained / c.delivered,
                    c.pausedAt != null,
                    c.pauseReason,
                    c.pausedAt));
        }
    }

    private long pausedCount() {
        return campaigns.values().stream()
                .filter(c -> {
                    synchronized (c) {
                        return c.pausedAt != null;
                    }
                })
                .count();
    }

    /** Campaigns sorted by name that are paused now. */
    public List<String> paused() {
        return snapshot().stream()
                .filter(Snapshot::paused)
                .map(Snapshot::campaign)
                .sorted(Comparator.naturalOrder())
                .toList();
    }
}
