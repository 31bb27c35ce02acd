package dev.tern.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis killed in the middle of a run of three nodes: each node goes on alone at its local share
 * (a third of the site's 6 connections and 90 messages/s), shared limits resume when Redis is
 * back (empty), and no message is lost or sent twice (the sink and the event logs balance).
 */
class FleetOutageTest {
    static final int NODES = 3;
    static final int PER_NODE = 300;

    @TempDir
    Path dir;

    @Test
    void withRedisKilledEachNodeDeliversAtItsLocalShareAndSharedLimitsResumeWhenItIsBack() throws Exception {
        Path shaping = Files.writeString(dir.resolve("shaping.yaml"), """
                rules:
                  - { name: outage-site, domains: [outage.test], max_connections: 6, max_message_rate: 90/s }
                """);
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"));
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                FleetShapingTest.Nodes fleet = new FleetShapingTest.Nodes()) {
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                String name = String.valueOf((char) ('a' + i));
                Path d = Files.createDirectories(dir.resolve(name));
                dirs.add(d);
                fleet.add(TernServer.start(
                        TestConfig.of(d, true, """
                        routes: { "*": 127.0.0.1:%d }
                        delivery: { shaping_file: "%s" }
                        fleet: { node_id: %s, redis: "%s", size: %d, timeout: 300ms }
                        """.formatted(sink.port(), shaping, name, redis.url(), NODES))));
            }
            for (TernServer n : fleet)
                await().atMost(Duration.ofSeconds(20)).until(() -> n.fleet().shared());
            Set<String> stored = new HashSet<>();
            for (int i = 0; i < NODES; i++)
                stored.addAll(FleetNodes.store(
                        fleet.get(i).spool(), String.valueOf((char) ('a' + i)), PER_NODE, "outage.test"));
            for (TernServer n : fleet) n.delivery().wake();
            sink.awaitMessageCount(120, Duration.ofSeconds(20));

            redis.kill();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fleet.stream().noneMatch(n -> n.fleet().shared()));
            int atKill = sink.messageCount();
            // delivery goes on without Redis
            sink.awaitMessageCount(atKill + 200, Duration.ofSeconds(20));
            redis.restart();
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fleet.stream().allMatch(n -> n.fleet().shared()));
            // shared again: the nodes take tokens from the restarted (empty) Redis
            String rateKey = "tern:fleet:rate:route:127.0.0.1:" + sink.port();
            await().atMost(Duration.ofSeconds(5))
                    .until(() ->
                            redis.command("EXISTS " + rateKey).equals(":1") || sink.messageCount() == NODES * PER_NODE);
            sink.awaitMessageCount(NODES * PER_NODE, Duration.ofSeconds(40));

            // while degraded (from a moment after the kill until the restart), each node kept to a
            // third: 30 messages/s (one bucket interval of slack per window) and the fleet to 90
            long from = killed + TimeUnit.MILLISECONDS.toNanos(300);
            List<ReceivedMessage> all = sink.messages();
            for (char node = 'a'; node < 'a' + NODES; node++) {
                char n = node;
                List<Long> times = all.stream()
                        .filter(m -> FleetNodes.id(m).charAt(0) == n)
                        .map(ReceivedMessage::receivedAtNanos)
                        .filter(t -> t >= from && t < restarted)
                        .sorted()
                        .toList();
                int busiest = SharedThrottlesTest.maxInWindow(times, TimeUnit.SECONDS.toNanos(1));
                System.out.printf(
                        "fleet outage: node %s sent %d messages in %.1f s without Redis, busiest second %d%n",
                        n, times.size(), (restarted - from) / 1e9, busiest);
                assertThat(busiest).as("node %s without Redis", n).isLessThanOrEqualTo(31);
                assertThat(times).as("node %s delivered without Redis", n).isNotEmpty();
                // and to a third of the connections (2) once the ones it held beyond it ended (after
                // their message in progress): connections seen at the sink from their first to their
                // last message, a second after the kill
                long settled = killed + TimeUnit.SECONDS.toNanos(1);
                assertThat(maxConcurrent(all, n, settled, restarted))
                        .as("node %s connections without Redis", n)
                        .isLessThanOrEqualTo(2);
            }
            // across the run: 6, except for the moment Redis is lost, when a node may open up to its
            // share while another still finishes a message on connections beyond its own share
            System.out.printf("fleet outage: at most %d connections at the sink%n", sink.maxConcurrentConnections());
            assertThat(sink.maxConcurrentConnections()).isLessThanOrEqualTo(6 + NODES - 1);

            // nothing lost, nothing twice: the sink has every stored message once, every spool is
            // empty, and each node's event log has one delivery per message
            List<String> ids = all.stream().map(FleetNodes::id).toList();
            assertThat(new HashSet<>(ids)).isEqualTo(stored);
            assertThat(ids).hasSize(NODES * PER_NODE);
            for (int i = 0; i < NODES; i++) {
                TernServer n = fleet.get(i);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> n.spool().stats().entries() == 0);
                Path log = TestConfig.eventLog(dirs.get(i));
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> TestConfig.events(log).stream()
                                        .filter(e -> e.path("type").asText().equals("delivery"))
                                        .count()
                                == PER_NODE);
            }
        }
    }

    /** The most connections of {@code node} open at once within [from, to), a connection spanning its first to last message. */
    static int maxConcurrent(List<ReceivedMessage> all, char node, long from, long to) {
        java.util.Map<Integer, long[]> spans = new java.util.HashMap<>();
        for (ReceivedMessage m : all) {
            if (FleetNodes.id(m).charAt(0) != node) continue;
            long[] s = spans.computeIfAbsent(m.connectionId(), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
            s[0] = Math.min(s[0], m.receivedAtNanos());
            s[1] = Math.max(s[1], m.receivedAtNanos());
        }
        int best = 0;
        for (long[] s : spans.values()) {
            long t = s[0];
            if (t < from || t >= to) continue;
            int open = 0;
            for (long[] o : spans.values()) if (o[0] <= t && o[1] >= t) open++;
            best = Math.max(best, open);
        }
        return best;
    }
}
