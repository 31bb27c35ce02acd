package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiving server goes away in the middle of a delivery run and comes back on the same port. */
class SinkOutageTest {
    @TempDir
    Path dir;

    /**
     * Tern must defer (transient_failure, never bounce) every recipient it cannot hand over while
     * the receiver is gone, keep them queued, and deliver every one of them once it is back;
     * recipients the receiver refuses with 5xx are bounced. Nothing accepted is lost.
     */
    @Test
    void mailDefersWhileTheReceiverIsGoneAndIsAllDeliveredWhenItReturns() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        try {
            sink.delay(Phase.DATA_END, Duration.ofMillis(15)); // slow enough to be stopped mid-stream
            sink.onRcpt(r -> r.startsWith("unknown") ? "550 5.1.1 <" + r + ">: user unknown" : null);
            try (TernServer tern = TernServer.start(Faults.config(dir, """
          routes: { "*": 127.0.0.1:%d }
          delivery:
            max_connections_per_destination: 2
            retry: { initial: 300ms, multiplier: 1.5, max: 600ms, jitter: 0 }
            timeouts: { connect: 1s, banner: 2s, ehlo: 2s, mail: 2s, rcpt: 2s, data_init: 2s, data_block: 2s, data_end: 2s, quit: 1s }
          """.formatted(sink.port())));
                    Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
                for (int i = 0; i < 60; i++) {
                    List<String> rcpts = i % 10 == 0
                            ? List.of("a" + i + "@out.test", "unknown" + i + "@out.test")
                            : List.of("a" + i + "@out.test");
                    assertThat(inj.send(rcpts, "m" + i)).startsWith("250");
                }
                sink.awaitMessageCount(10, Duration.ofSeconds(10));
                sink.stop(); // mid-stream: connections in progress are cut, the port is closed
                int atStop = sink.messageCount();
                for (int i = 60; i < 90; i++)
                    assertThat(inj.send(List.of("b" + i + "@out.test"), "m" + i))
                            .startsWith("250");

                // while it is gone: everything not yet delivered is deferred and queued, nothing bounced but the 5xx
                // ones
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Ledger l = Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                            .assertBalanced();
                    assertThat(l.queued())
                            .hasSizeGreaterThanOrEqualTo(90 - atStop)
                            .allSatisfy(r -> assertThat(l.transientFailures(r))
                                    .as("deferrals of %s", r)
                                    .isPositive());
                });
                Ledger down = Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                        .assertBalanced();
                assertThat(down.bounced()).allMatch(r -> r.startsWith("unknown"));
                assertThat(down.expired()).isEmpty();

                sink.start(); // same port
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                                .settled());
                Ledger end = Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                        .assertSettled();
                System.out.println("sink outage: " + end);
                assertThat(end.counts().accepted()).isEqualTo(96);
                assertThat(end.delivered()).hasSize(90);
                assertThat(end.bounced()).hasSize(6).allMatch(r -> r.startsWith("unknown"));
                // a copy at the sink twice is only possible for a transaction cut between the sink's 250 and Tern
                // reading it
                assertThat(end.counts().duplicates()).isLessThanOrEqualTo(2);
            }
        } finally {
            sink.close();
        }
    }
}
