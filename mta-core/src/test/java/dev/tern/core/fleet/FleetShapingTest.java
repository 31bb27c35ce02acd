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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's Done-when measurement: three Tern nodes on loopback share one redis-server; a site
 * limited to 5 connections and 100 messages/s gets at most 5 concurrent connections and at most
 * 100 messages/s (plus one batch of tokens) at the sink, across the three, over 30 s.
 */
@Tag("slow")
class FleetShapingTest {
    static final int NODES = 3;
    static final int RATE = 100;
    static final int BATCH = 5; // token_batch 50 ms of 100/s
    static final long MEASURE_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path dir;

    /** The nodes, closed in reverse order. */
    static final class Nodes extends java.util.ArrayList<TernServer> implements AutoCloseable {
        @Override
        public void close() {
            for (TernServer t : reversed()) t.close();
        }
    }

    @Test
    void threeNodesTogetherStayWithinFiveConnectionsAndAHundredMessagesPerSecondOverThirtySeconds() throws Exception {
        Path shaping = Files.writeString(dir.resolve("shaping.yaml"), """
                rules:
                  - { name: fleet-site, domains: [fleet.test], max_connections: 5, max_message_rate: %d/s }
                """.formatted(RATE));
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"));
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                Nodes fleet = new Nodes()) {
            for (int i = 0; i < NODES; i++) {
                String name = String.valueOf((char) ('a' + i));
                fleet.add(
                        TernServer.start(TestConfig.of(Files.createDirectories(dir.resolve(name)), false, """
                        routes: { "*": 127.0.0.1:%d }
                        delivery: { shaping_file: "%s" }
                        fleet: { node_id: %s, redis: "%s", size: %d }
                        """.formatted(
                                        sink.port(), shaping, name, redis.url(), NODES))));
            }
            for (TernServer n : fleet)
                await().atMost(Duration.ofSeconds(15)).until(() -> n.fleet().shared());
            // more than 30 s of mail at 100/s waiting on every node
            for (int i = 0; i < NODES; i++)
                FleetNodes.store(fleet.get(i).spool(), String.valueOf((char) ('a' + i)), 1300, "fleet.test");
            long[] commandsBefore = new long[NODES];
            for (int i = 0; i < NODES; i++)
                commandsBefore[i] = fleet.get(i).fleet().redisCommands();
            for (TernServer n : fleet) n.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            long first = sink.messages().getFirst().receivedAtNanos();
            await().atMost(Duration.ofSeconds(45))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> System.nanoTime() - first > MEASURE_NANOS + TimeUnit.MILLISECONDS.toNanos(300));
            long commands = 0;
            for (int i = 0; i < NODES; i++) commands += fleet.get(i).fleet().redisCommands() - commandsBefore[i];
            List<ReceivedMessage> got = sink.messages();
            System.out.println(redis.info("commandstats"));
            List<Long> times = got.stream()
                    .map(ReceivedMessage::receivedAtNanos)
                    .filter(t -> t - first < MEASURE_NANOS)
                    .sorted()
                    .toList();
            int busiestSecond = SharedThrottlesTest.maxInWindow(times, TimeUnit.SECONDS.toNanos(1));
            long perNode = got.stream()
                    .map(FleetNodes::id)
                    .map(id -> id.charAt(0))
                    .distinct()
                    .count();
            System.out.printf(
                    "fleet shaping: %d nodes, site 5 connections / %d msg/s: %d messages at the sink in 30 s (%.1f msg/s),"
                            + " busiest second %d, max concurrent connections %d, %d nodes sent;"
                            + " %d Redis round trips (%.0f per 1,000 messages)%n",
                    NODES,
                    RATE,
                    times.size(),
                    times.size() / 30.0,
                    busiestSecond,
                    sink.maxConcurrentConnections(),
                    perNode,
                    commands,
                    commands * 1000.0 / Math.max(1, got.size()));
            assertThat(sink.maxConcurrentConnections()).isLessThanOrEqualTo(5);
            assertThat(busiestSecond).isLessThanOrEqualTo(RATE + BATCH);
            assertThat(times.size()).isLessThanOrEqualTo(RATE * 30 + BATCH);
            // the limit is used, not just respected, and by every node
            assertThat(times.size()).isGreaterThan(RATE * 30 / 2);
            assertThat(perNode).isEqualTo(NODES);
        }
    }
}
