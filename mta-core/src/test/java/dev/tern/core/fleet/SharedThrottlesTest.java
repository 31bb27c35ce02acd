package dev.tern.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.Rate;
import dev.tern.core.shaping.SiteLimits;
import dev.tern.core.shaping.SiteThrottle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shared rates (GCRA in Lua, tokens in batches), connection leases and the degraded mode, on a real redis-server. */
class SharedThrottlesTest {
    @TempDir
    Path dir;

    RedisProcess redis;
    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisProcess.start(dir.resolve("redis"));
    }

    @AfterEach
    void stop() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) c.close();
        redis.close();
    }

    /** One node's view: its Redis link and its shared throttles (share 1/3 when degraded). */
    record Node(FleetRedis redis, SharedThrottles throttles, ScheduledExecutorService thread) {}

    Node node(String name, Duration leaseTtl) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        FleetRedis r = new FleetRedis(redis.url(), Duration.ofMillis(300), 1.0 / 3, thread, new SimpleMeterRegistry());
        SharedThrottles t = new SharedThrottles(r, name, Duration.ofMillis(50), leaseTtl);
        r.onUp(t::renew);
        open.add(thread::shutdownNow);
        open.add(r);
        thread.execute(r::start);
        await().atMost(Duration.ofSeconds(20)).until(r::shared);
        return new Node(r, t, thread);
    }

    static SiteLimits limits(int connections, String rate) {
        return new SiteLimits(connections, 1000, rate == null ? null : Rate.parse(rate), null, 100, "test");
    }

    @Test
    void twoNodesTogetherStayWithinTheSitesRateWithOneRoundTripPerBatch() throws Exception {
        Node a = node("a", Duration.ofSeconds(15));
        Node b = node("b", Duration.ofSeconds(15));
        List<Long> sent = Collections.synchronizedList(new ArrayList<>());
        List<Thread> senders = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2200);
        for (Node n : List.of(a, b)) {
            SiteThrottle site = new SiteThrottle(limits(10, "100/s"), null);
            site.share(n.throttles().limit("mx:rate.test"));
            for (int i = 0; i < 2; i++) { // two connections per node, as deliveries would use
                senders.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < end) {
                        long wait = site.tryMessage(System.nanoTime());
                        if (wait == 0) sent.add(System.nanoTime());
                        else LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(20)));
                    }
                }));
            }
        }
        for (Thread t : senders) t.join();
        List<Long> times = new ArrayList<>(sent);
        Collections.sort(times);
        int busiest = maxInWindow(times, TimeUnit.SECONDS.toNanos(1));
        long trips = a.redis().commands() + b.redis().commands();
        System.out.printf(
                "shared rate 100/s over 2 nodes: %d tokens in 2.2 s, busiest second %d, %d Redis round trips (%.0f per 1,000 messages)%n",
                times.size(), busiest, trips, trips * 1000.0 / times.size());
        // at most one token per 10 ms across both nodes, plus one batch (5 tokens) in any second;
        // the lower bound only shows that tokens flow (a loaded machine may send fewer)
        assertThat(busiest).isBetween(50, 105);
        assertThat(times.size()).isLessThanOrEqualTo(220 + 5);
        // batches of 5: far fewer round trips than messages (the pings of the two starts included)
        assertThat(trips).isLessThan(times.size() / 2);
    }

    @Test
    void connectionLeasesAreCountedAcrossNodesAndACrashedNodesLeasesExpire() throws Exception {
        Node a = node("a", Duration.ofSeconds(15));
        Node b = node("b", Duration.ofSeconds(15));
        SiteThrottle siteA = new SiteThrottle(limits(3, null), null);
        siteA.share(a.throttles().limit("mx:conn.test"));
        SiteThrottle siteB = new SiteThrottle(limits(3, null), null);
        siteB.share(b.throttles().limit("mx:conn.test"));
        long now = System.nanoTime();
        assertThat(siteA.tryOpen(now)).isZero();
        assertThat(siteA.tryOpen(now)).isZero();
        assertThat(siteB.tryOpen(now)).isZero();
        // the fleet holds 3 of 3: B's second connection is refused (and tried again later), not counted
        assertThat(siteB.tryOpen(now)).isPositive();
        assertThat(siteB.connections()).isEqualTo(1);
        assertThat(redis.command("ZCARD tern:fleet:conns:mx:conn.test")).isEqualTo(":3");
        siteA.closed();
        // b asks again after its pause (250 ms: it holds a connection already), and gets A's freed lease
        await().atMost(Duration.ofSeconds(1)).until(() -> siteB.tryOpen(System.nanoTime()) == 0);
        assertThat(a.throttles().leases()).isEqualTo(1);
        assertThat(b.throttles().leases()).isEqualTo(2);

        // node c takes a lease and crashes (no renewal, no release): the lease ends after its TTL
        Node c = node("c", Duration.ofMillis(600));
        SiteThrottle siteC = new SiteThrottle(limits(4, null), null);
        siteC.share(c.throttles().limit("mx:conn.test"));
        assertThat(siteC.tryOpen(now)).isZero();
        assertThat(siteA.tryOpen(now)).as("4 of 4 held").isPositive();
        c.thread().shutdownNow(); // no more renewals: c is gone
        SiteThrottle siteA4 = new SiteThrottle(limits(4, null), null);
        siteA4.share(a.throttles().limit("mx:conn.test"));
        await().atMost(Duration.ofSeconds(3)).until(() -> siteA4.tryOpen(System.nanoTime()) == 0);
    }

    @Test
    void withoutRedisEachNodeEnforcesItsLocalShareAndSharedModeResumesWhenRedisIsBack() throws Exception {
        Node a = node("a", Duration.ofSeconds(15));
        SiteThrottle site = new SiteThrottle(limits(6, "90/s"), null);
        site.share(a.throttles().limit("mx:degraded.test"));
        long now = System.nanoTime();
        assertThat(site.tryOpen(now)).isZero();
        assertThat(site.effectiveMaxConnections(now)).isEqualTo(6);
        redis.kill();
        // the next command fails: degraded at once, a third of every limit, no waiting on Redis after that
        site.tryMessage(System.nanoTime());
        assertThat(a.redis().up()).isFalse();
        assertThat(site.effectiveMaxConnections(System.nanoTime())).isEqualTo(2);
        long before = System.nanoTime();
        assertThat(site.tryOpen(System.nanoTime())).isZero(); // 2 of the local 2
        assertThat(site.tryOpen(System.nanoTime())).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(50));
        // the local rate is a third: 30/s, one message every 33 ms
        long t0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        assertThat(site.tryMessage(t0)).isZero();
        assertThat(site.tryMessage(t0 + TimeUnit.MILLISECONDS.toNanos(20))).isPositive();
        redis.restart();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.redis().up());
        // back, but at the local share for a second while every node registers its connections
        assertThat(site.effectiveMaxConnections(System.nanoTime())).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> site.effectiveMaxConnections(System.nanoTime()) == 6);
        // both connections opened meanwhile are leased in the restarted (empty) Redis
        await().atMost(Duration.ofSeconds(2))
                .until(() ->
                        redis.command("ZCARD tern:fleet:conns:mx:degraded.test").equals(":2"));
    }

    static int maxInWindow(List<Long> sortedNanos, long windowNanos) {
        int best = 0;
        int start = 0;
        for (int end = 0; end < sortedNanos.size(); end++) {
            while (sortedNanos.get(end) - sortedNanos.get(start) >= windowNanos) start++;
            best = Math.max(best, end - start + 1);
        }
        return best;
    }
}
