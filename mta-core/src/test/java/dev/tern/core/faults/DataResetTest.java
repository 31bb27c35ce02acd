package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import dev.tern.testkit.smtp.SmtpSink.Disconnect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver cuts connections in the middle of DATA, and after the final dot before its reply. */
class DataResetTest {
    @TempDir
    Path dir;

    /**
     * A transaction whose connection is reset (RST) while the body is being sent, or closed after
     * the final dot before the reply, was not accepted: Tern must defer exactly its recipients
     * (transient_failure), retry them on a new connection, and never mark a recipient delivered
     * without the receiver's 250. Recipients of earlier transactions of the same message that did
     * get a 250 stay delivered and are not sent again. Recipients refused with 5xx are bounced.
     */
    @Test
    void cutTransactionsAreRetriedAndNothingIsMarkedDeliveredWithoutThe250() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            AtomicInteger dataCommands = new AtomicInteger();
            AtomicInteger cuts = new AtomicInteger();
            // one connection (below), so commands arrive in a fixed order: every 3rd DATA is reset
            // mid-body, every 5th other one is closed after the final dot, before the 250
            sink.onCommand(c -> {
                if (c.phase() == Phase.DATA) {
                    int n = dataCommands.incrementAndGet();
                    sink.disconnectAt(Phase.DATA_BODY, n % 3 == 0 ? Disconnect.RESET : null);
                    sink.disconnectAt(Phase.DATA_END, n % 3 != 0 && n % 5 == 0 ? Disconnect.CLOSE : null);
                    if (n % 3 == 0 || n % 5 == 0) cuts.incrementAndGet();
                }
                return null;
            });
            sink.onRcpt(r -> r.startsWith("gone") ? "550 5.1.1 no such user" : null);
            try (TernServer tern = TernServer.start(Faults.config(dir, """
          routes: { "*": 127.0.0.1:%d }
          delivery:
            max_connections_per_destination: 1
            max_recipients_per_transaction: 2
            retry: { initial: 200ms, multiplier: 1.5, max: 400ms, jitter: 0 }
          """.formatted(sink.port())));
                    Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
                for (int i = 0; i < 40; i++) {
                    List<String> rcpts = new ArrayList<>();
                    for (int k = 0; k <= i % 4; k++) rcpts.add("u" + i + "-" + k + "@reset.test"); // 1 to 4 recipients
                    if (i % 8 == 0) rcpts.add("gone" + i + "@reset.test");
                    assertThat(inj.send(rcpts, "m" + i)).startsWith("250");
                }
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                                .settled());
                Ledger end = Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                        .assertSettled();
                System.out.println("data resets: " + cuts.get() + " cut transactions; " + end);
                assertThat(cuts.get()).isGreaterThanOrEqualTo(10);
                assertThat(end.counts().accepted()).isEqualTo(100 + 5);
                assertThat(end.bounced()).hasSize(5).allMatch(r -> r.startsWith("gone"));
                assertThat(end.delivered()).hasSize(100);
                // the sink never answered 250 to a cut transaction, so no recipient may arrive twice
                assertThat(end.duplicates()).isEmpty();
                // every cut transaction deferred its recipients, which were then retried
                int deferrals = end.delivered().stream()
                        .mapToInt(end::transientFailures)
                        .sum();
                assertThat(deferrals).isGreaterThanOrEqualTo(cuts.get());
            }
        }
    }
}
