package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.events.KafkaTopic;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.kafka.KafkaBroker;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Tern nodes on loopback publish their events to one Kafka topic (a real single-node KRaft
 * broker in a child JVM); the broker is killed in the middle of the run and restarted. Every event
 * of every node's log arrives in the topic (counted per message id and per node and seq), none is
 * missing, and while the broker is down each node says so ({@code tern.kafka.up} 0, a lag) and
 * keeps delivering mail; its cursor only moves once Kafka acknowledged.
 */
class KafkaFleetEventsTest {
    private static final String TOPIC = "tern-events";
    private static final int NODES = 3;

    @TempDir
    static Path brokerDir;

    static KafkaBroker broker;
    static java.util.concurrent.CompletableFuture<Void> brokerStarted;

    /** The broker starts while the nodes start (a JVM start costs seconds on a busy machine). */
    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.create(brokerDir);
        brokerStarted = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                broker.start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void everyEventOfThreeNodesArrivesInTheTopicAcrossABrokerRestart(@TempDir Path dir) throws Exception {
        List<SmtpSink> sinks = new ArrayList<>();
        List<TernServer> nodes = new ArrayList<>();
        List<Faults.Injector> injectors = new ArrayList<>();
        try {
            for (int n = 0; n < NODES; n++) {
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                sinks.add(sink);
                Path nd = dir.resolve("node" + n);
                TernServer tern = TernServer.start(
                        Faults.config(nd, """
                        server: { hostname: node%d.tern.test }
                        routes: { "*": 127.0.0.1:%d }
                        delivery:
                          retry: { initial: 300ms, multiplier: 1.5, max: 1s, jitter: 0.1 }
                        fleet:
                          node_id: node-%d
                          redis: redis://127.0.0.1:1
                          kafka: { bootstrap: "%s", topic: %s, batch_size: 20, delivery_timeout: 3s, retry_initial: 100ms, retry_max: 500ms }
                        """.formatted(n, sink.port(), n, broker.bootstrap(), TOPIC)));
                // no Redis here (port 1 refuses): the fleet runs degraded at its local share, events are the subject
                nodes.add(tern);
                injectors.add(new Faults.Injector(tern.injectionAddress()));
            }
            brokerStarted.get(90, java.util.concurrent.TimeUnit.SECONDS);
            runAndCheck(dir, sinks, nodes, injectors);
        } finally {
            for (Faults.Injector i : injectors) i.close();
            for (TernServer t : nodes) t.close();
            for (SmtpSink s : sinks) s.close();
        }
    }

    private static void runAndCheck(
            Path dir, List<SmtpSink> sinks, List<TernServer> nodes, List<Faults.Injector> injectors) throws Exception {
        try (KafkaTopic topic = new KafkaTopic(broker.bootstrap(), TOPIC)) {
            int sent = 0;
            sent += sendRound(injectors, "before", 15);
            await().atMost(Duration.ofSeconds(30)).until(() -> topic.poll().size() >= 2 * 15 * NODES);

            // the broker dies in the middle of the run: mail keeps flowing, events wait in the logs
            broker.stop();
            sent += sendRound(injectors, "during", 15);
            for (int n = 0; n < NODES; n++) {
                TernServer tern = nodes.get(n);
                SmtpSink sink = sinks.get(n);
                await().atMost(Duration.ofSeconds(20)).until(() -> sink.messageCount() >= 30);
                await().atMost(Duration.ofSeconds(20)).until(() -> !tern.kafka().up());
                assertThat(tern.kafka().lagEvents()).isPositive();
                String scrape = scrape(tern);
                assertThat(scrape).containsPattern("(?m)^tern_kafka_up 0\\.0$");
                assertThat(scrape).containsPattern("(?m)^tern_kafka_lag_events [1-9][0-9]*\\.0$");
            }

            broker.start();
            sent += sendRound(injectors, "after", 10);
            int messages = sent;
            for (TernServer tern : nodes)
                await().atMost(Duration.ofSeconds(40))
                        .until(() -> tern.kafka().up() && tern.kafka().lagEvents() == 0);

            // the books: each node's log is the truth, the topic must hold every line of it
            Map<String, Map<String, Integer>> expected = new TreeMap<>(); // message id -> type -> count
            Map<String, JsonNode> expectedLines = new HashMap<>(); // node/seq -> line
            for (int n = 0; n < NODES; n++) {
                Path log = Faults.eventLog(dir.resolve("node" + n));
                Ledger.of(
                                injectors.get(n).accepted,
                                log,
                                nodes.get(n).spool(),
                                sinks.get(n).messages())
                        .assertSettled();
                for (JsonNode e : Ledger.events(log)) {
                    expected.computeIfAbsent(e.get("message_id").asText(), k -> new TreeMap<>())
                            .merge(e.get("type").asText(), 1, Integer::sum);
                    expectedLines.put("node-" + n + "/" + e.get("seq").asLong(), e);
                }
            }
            assertThat(expected).hasSize(messages);
            assertThat(expected.values())
                    .allSatisfy(kinds ->
                            assertThat(kinds).containsEntry("reception", 1).containsEntry("delivery", 1));

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> distinct(topic.poll()).keySet().containsAll(expectedLines.keySet()));
            List<KafkaTopic.Record> records = topic.poll();
            Map<String, JsonNode> got = distinct(records);
            assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expectedLines.keySet());
            got.forEach((k, v) -> assertThat(v).isEqualTo(expectedLines.get(k)));
            Map<String, Map<String, Integer>> perMessage = new TreeMap<>();
            for (JsonNode e : got.values())
                perMessage
                        .computeIfAbsent(e.get("message_id").asText(), k -> new TreeMap<>())
                        .merge(e.get("type").asText(), 1, Integer::sum);
            assertThat(perMessage).isEqualTo(expected);
            assertThat(records)
                    .allSatisfy(r -> assertThat(r.key())
                            .isEqualTo(r.value().get("message_id").asText()));
            // at-least-once: only batches cut by the outage may have been sent twice
            System.out.println("kafka records " + records.size() + " for " + got.size() + " events");
            assertThat(records.size() - got.size()).isBetween(0, NODES * 2 * 20);
            for (int n = 0; n < NODES; n++) {
                Path cursor = Path.of(Faults.eventLog(dir.resolve("node" + n)) + ".kafka-cursor");
                assertThat(Files.readString(cursor))
                        .contains("\"seq\":" + nodes.get(n).kafka().acknowledgedSeq());
            }

            // a restarted node resumes after its cursor: its new events go out, none of the old ones again
            long before =
                    records.stream().filter(r -> "node-0".equals(r.node())).count();
            var cfg = nodes.get(0).config();
            injectors.get(0).close();
            nodes.get(0).close();
            TernServer again = TernServer.start(cfg);
            nodes.set(0, again);
            Faults.Injector inj = new Faults.Injector(again.injectionAddress());
            injectors.set(0, inj);
            for (int i = 0; i < 2; i++)
                assertThat(inj.send(List.of("restart-" + i + "@kafka.test"), "restart-" + i))
                        .startsWith("250");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> topic.poll().stream()
                                    .filter(r -> "node-0".equals(r.node()))
                                    .count()
                            >= before + 4);
            await().atMost(Duration.ofSeconds(10)).until(() -> again.kafka().lagEvents() == 0);
            List<KafkaTopic.Record> after =
                    topic.poll().stream().filter(r -> "node-0".equals(r.node())).toList();
            assertThat(after).hasSize((int) before + 4);
            assertThat(after.subList((int) before, after.size()))
                    .extracting(r -> r.value().get("seq").asLong())
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(
                                    again.kafka().acknowledgedSeq() - 3,
                                    again.kafka().acknowledgedSeq())
                            .boxed()
                            .toList());
        }
    }

    /** Sends {@code count} one-recipient messages to each node; returns how many were accepted. */
    private static int sendRound(List<Faults.Injector> injectors, String round, int count) throws Exception {
        int accepted = 0;
        for (int i = 0; i < count; i++) {
            for (int n = 0; n < injectors.size(); n++) {
                String name = round + "-" + n + "-" + i;
                assertThat(injectors.get(n).send(List.of(name + "@kafka.test"), name))
                        .startsWith("250");
                accepted++;
            }
        }
        return accepted;
    }

    /** One record per event (node/seq), the duplicates of at-least-once folded. */
    private static Map<String, JsonNode> distinct(List<KafkaTopic.Record> records) {
        Map<String, JsonNode> out = new HashMap<>();
        for (KafkaTopic.Record r : records)
            out.putIfAbsent(r.node() + "/" + r.value().get("seq").asLong(), r.value());
        return out;
    }

    private static String scrape(TernServer tern) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                        + tern.adminAddress().getPort() + "/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
