package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.testing.ChildTern;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tern runs in a child JVM ({@code tern run}) and is killed with SIGKILL while it is delivering
 * a backlog of thousands of messages to a slow receiver (which runs in the test JVM and survives).
 */
@Tag("slow")
class KillDuringDeliveryTest {
    private static final int CLIENTS = 8;
    private static final int PER_CLIENT = 250;
    /** Messages at the sink when Tern is killed. */
    private static final int KILL_AT = 500;

    @TempDir
    Path dir;

    /**
     * After {@code kill -9} in the middle of delivery and a restart on the same spool, Tern must
     * deliver every message it had accepted at least once: transactions cut by the kill (and
     * entries whose outcome was not yet stored) are sent again, so a message may arrive twice,
     * never zero times; nothing stays queued, nothing is bounced or expired.
     */
    @Test
    void everyAcceptedMessageIsDeliveredAtLeastOnceAfterAKillMidDelivery() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.delay(Phase.DATA_END, Duration.ofMillis(10));
            sink.stop(); // a backlog builds up first (injection is slower than delivery here)
            int injectPort;
            try (ServerSocket s = new ServerSocket(0)) {
                injectPort = s.getLocalPort();
            }
            Path spoolDir = dir.resolve("spool");
            Path cfg = Files.writeString(
                    dir.resolve("tern.yaml"), """
          server: { hostname: tern.test }
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:%d }
          admin: { listen: 127.0.0.1:0 }
          events: { log: "%s" }
          routes: { "*": 127.0.0.1:%d }
          delivery:
            max_connections_per_destination: 4
            retry: { initial: 200ms, multiplier: 1.5, max: 1s }
          """.formatted(spoolDir, injectPort, Faults.eventLog(dir), sink.port()));
            Set<String> accepted = ConcurrentHashMap.newKeySet();

            Process tern = ChildTern.start(cfg, "tern-first.log");
            int atKill;
            try {
                ChildTern.awaitPort(injectPort, tern);
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    done.add(clients.submit(() -> {
                        try (Faults.Injector inj =
                                new Faults.Injector(new InetSocketAddress("127.0.0.1", injectPort), accepted)) {
                            for (int i = 0; i < PER_CLIENT; i++) {
                                String reply = inj.send(
                                        List.of("k" + client + "-" + i + "@kill.test"), "k" + client + "-" + i);
                                if (!reply.startsWith("250")) throw new AssertionError("injection refused: " + reply);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(80, TimeUnit.SECONDS);
                clients.shutdown();
                assertThat(accepted).hasSize(CLIENTS * PER_CLIENT);
                // the receiver comes up, Tern works through the backlog: kill -9 in the middle of it
                sink.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                // justified sleep: polls the child JVM's progress (5 ms granularity sets the kill point); no assertion
                while (sink.messageCount() < KILL_AT && System.nanoTime() < deadline) Thread.sleep(5);
                tern.destroyForcibly();
                assertThat(tern.waitFor(10, TimeUnit.SECONDS)).isTrue();
                atKill = sink.messageCount();
            } finally {
                tern.destroyForcibly();
            }
            assertThat(atKill).isGreaterThanOrEqualTo(KILL_AT);
            assertThat(atKill).isLessThan(accepted.size() - 500); // most of the backlog was left at the kill

            tern = ChildTern.start(cfg, "tern-second.log");
            try {
                ChildTern.awaitPort(injectPort, tern);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                // justified sleep: the poll interval of a wait for the child JVM; the assertions follow its stop
                while (System.nanoTime() < deadline
                        && !recipients(sink.messages()).containsAll(accepted)) Thread.sleep(200);
            } finally {
                tern.destroy(); // graceful stop: the spool and the event log are closed cleanly
                if (!tern.waitFor(30, TimeUnit.SECONDS)) tern.destroyForcibly();
            }

            Ledger end;
            try (Spool spool = Spool.open(SpoolSettings.defaults(spoolDir).withMinFreeDiskBytes(0))) {
                end = Ledger.of(accepted, Faults.eventLog(dir), spool, sink.messages(), Ledger.Mode.AFTER_CRASH);
            }
            System.out.printf("kill -9 during delivery: %d delivered before the kill; %s%n", atKill, end);
            end.assertSettled();
            assertThat(end.delivered()).hasSize(accepted.size());
            assertThat(end.bounced()).isEmpty();
            assertThat(end.expired()).isEmpty();
        }
    }

    private static Set<String> recipients(List<ReceivedMessage> messages) {
        Set<String> out = new HashSet<>();
        for (ReceivedMessage m : messages) out.addAll(m.recipients());
        return out;
    }
}
