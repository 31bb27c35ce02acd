package dev.tern.core.console;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Each destination's last delivery failure (deferral or bounce) and last delivery, from the
 * event stream since start, for the console's destinations page. Bounded: the least recently
 * updated destinations are forgotten beyond {@code maxSites}.
 */
final class SiteErrors implements EventSink {
    /** What is known of one destination. */
    record Status(String lastError, Instant lastErrorAt, Instant lastDeliveryAt) {}

    private final Map<String, Status> sites;

    SiteErrors(int maxSites) {
        this.sites = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Status> eldest) {
                return size() > maxSites;
            }
        };
    }

    @Override
    public void accept(Event e) {
        if (e.site() == null || e.site().isEmpty()) return;
        boolean failure = e.is(EventType.TRANSIENT_FAILURE) || e.is(EventType.BOUNCE);
        if (!failure && !e.is(EventType.DELIVERY)) return;
        synchronized (sites) {
            Status s = sites.getOrDefault(e.site(), new Status(null, null, null));
            sites.put(
                    e.site(),
                    failure
                            ? new Status(e.reply(), e.time(), s.lastDeliveryAt())
                            : new Status(s.lastError(), s.lastErrorAt(), e.time()));
        }
    }

    Optional<Status> get(String site) {
        synchronized (sites) {
            return Optional.ofNullable(sites.get(site));
        }
    }
}
