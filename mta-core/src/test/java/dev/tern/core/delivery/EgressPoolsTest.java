package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Egress sources (local address + EHLO name) chosen through pools by X-Tern-Pool or tenant. */
class EgressPoolsTest {
    @TempDir
    Path dir;

    private static final String POOLS = """
      delivery:
        sources:
          a: { address: 127.0.0.2, ehlo_name: a.tern.test }
          b: { address: 127.0.0.3, ehlo_name: b.tern.test }
        pools:
          bulk: { a: 1 }
          trans: { b: 1 }
        default_pool: bulk
        tenant_pools: { acme: trans }
      """;

    @Test
    void eachPoolSendsFromItsSourcesWithTheirEhloNames() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig cfg =
                    DeliveryFixture.config(dir, "routes: { pool.test: 127.0.0.1:%d }\n".formatted(sink.port()) + POOLS);
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern, "m-default", "", "", now);
                store(tern, "m-pool", "", "trans", now);
                store(tern, "m-tenant", "acme", "", now);
                tern.delivery().wake();
                sink.awaitMessageCount(3, Duration.ofSeconds(15));
            }
            Map<Integer, String> ehloByConnection = sink.commands().stream()
                    .filter(c -> c.verb().equals("EHLO"))
                    .collect(Collectors.toMap(Command::connectionId, Command::argument, (x, y) -> y));
            Map<String, Set<String>> ehloBySubject = sink.messages().stream()
                    .collect(Collectors.groupingBy(
                            m -> m.text()
                                    .substring(
                                            m.text().indexOf("Subject: ") + 9,
                                            m.text().indexOf("\r\n", m.text().indexOf("Subject: "))),
                            Collectors.mapping(m -> ehloByConnection.get(m.connectionId()), Collectors.toSet())));
            assertThat(ehloBySubject)
                    .containsEntry("m-default", Set.of("a.tern.test"))
                    .containsEntry("m-pool", Set.of("b.tern.test"))
                    .containsEntry("m-tenant", Set.of("b.tern.test"));
        }
    }

    @Test
    void aSourceAddressThatIsNotOnThisMachineIsAConfigError() {
        assertThatThrownBy(() -> ConfigLoader.parse(POOLS.replace("127.0.0.3", "192.0.2.77"), "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anyMatch(p -> p.startsWith(
                                        "delivery.sources.b.address: 192.0.2.77 is not an address of this machine")));
    }

    private static void store(TernServer tern, String id, String tenant, String pool, long now) {
        byte[] body = ("Subject: " + id + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        Envelope env =
                new Envelope(id, "s@tern.test", tenant, "", pool, false, now, now + 3_600_000, body.length, Map.of());
        tern.spool()
                .store(
                        env,
                        body,
                        List.of(new QueueEntry(
                                env, "pool.test", List.of(RecipientState.pending("r@pool.test")), 0, now)))
                .join();
    }
}
