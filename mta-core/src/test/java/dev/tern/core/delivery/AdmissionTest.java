package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.shaping.SiteLimits;
import dev.tern.core.shaping.SiteThrottle;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.testkit.MutableClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection admission with a fake connector: global slots, starvation, site limits, holds, down time. */
class AdmissionTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Destination> connected = new CopyOnWriteArrayList<>();
    private final Set<Destination> paused = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private Admission admission(int slots) {
        Admission a = new Admission(
                slots,
                clock,
                () -> 0L,
                new RetryPolicy(Duration.ofMinutes(1), 2, Duration.ofHours(1), 0),
                timer,
                Runnable::run,
                () -> true,
                paused::contains,
                d -> List.of(d));
        a.connector(connected::add);
        return a;
    }

    private static Destination destination(String host, int maxConnections, int entries) {
        SiteKey site = new SiteKey.Relay(host, 25);
        SiteLimits limits = new SiteLimits(maxConnections, 100, null, null, 100, "");
        Destination d = new Destination(
                site.key(),
                site,
                new EgressSource("", null, "tern.test"),
                new Route(site, List.of(new InetSocketAddress("127.0.0.1", 25))),
                new SiteThrottle(limits, null),
                new SiteThrottle(SiteLimits.unlimited(), null));
        for (int i = 0; i < entries; i++) {
            Envelope env = new Envelope("m" + i, "", "", "", "", false, 0, Long.MAX_VALUE, 1, Map.of());
            d.add(new QueueEntry(env, host, List.of(RecipientState.pending("a@" + host)), 0, 0));
        }
        return d;
    }

    @Test
    void aDestinationWithoutAGlobalSlotIsServedWhenOneFrees() {
        Admission a = admission(2);
        Destination d1 = destination("one.test", 1, 1),
                d2 = destination("two.test", 1, 1),
                d3 = destination("three.test", 1, 1);
        a.maybeConnect(d1);
        a.maybeConnect(d2);
        a.maybeConnect(d3);
        assertThat(connected).containsExactly(d1, d2);
        assertThat(a.open()).isEqualTo(2);
        d1.drain();
        a.closed(d1);
        assertThat(connected).containsExactly(d1, d2, d3);
        assertThat(a.open()).isEqualTo(2);
    }

    @Test
    void theSiteLimitCapsConnectionsAndWorkDecidesHowManyAreWorthOpening() {
        Admission a = admission(100);
        Destination busy = destination("busy.test", 3, 10);
        a.maybeConnect(busy);
        assertThat(connected).hasSize(3);
        Destination one = destination("one.test", 3, 1);
        a.maybeConnect(one);
        assertThat(connected).hasSize(4); // one entry: one connection is enough
    }

    @Test
    void aPausedOrDownDestinationOpensNothing() {
        Admission a = admission(10);
        Destination held = destination("held.test", 5, 3);
        paused.add(held);
        a.maybeConnect(held);
        Destination down = destination("down.test", 5, 3);
        down.downUntil = clock.millis() + 30_000;
        a.maybeConnect(down);
        assertThat(connected).isEmpty();
        assertThat(a.open()).isZero();

        paused.clear();
        a.maybeConnect(held);
        assertThat(connected).hasSize(3);
        down.downUntil = 0; // an operator's retry clears the down time
        a.maybeConnect(down);
        assertThat(connected).hasSize(6);
    }
}
