package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.delivery.QueueManager;
import dev.tern.core.server.TernServer;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.HoldTarget.Kind;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator commands racing live delivery: while mail is injected and delivered (some recipients
 * deferred, so retries have work), three threads suspend and resume the site and a domain, retry
 * the site, a domain and everything, and bounce one domain, as fast as they can. Every accepted
 * recipient must end up in exactly one class of the ledger, with no copy delivered twice.
 */
class OperatorCommandsRaceTest {
    @TempDir
    Path dir;

    @Test
    void bounceRetryAndSuspendWhileDeliveringLoseNothingAndDuplicateNothing() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        sink.delay(Phase.DATA_END, Duration.ofMillis(3));
        AtomicInteger rcpts = new AtomicInteger();
        // every fifth RCPT is deferred: entries go back to the spool and come due again
        sink.onRcpt(r -> rcpts.incrementAndGet() % 5 == 0 ? "451 4.3.0 try again" : null);
        try (sink;
                TernServer tern = TernServer.start(Faults.config(dir, """
          routes: { "*": 127.0.0.1:%d }
          delivery:
            max_connections_per_destination: 4
            retry: { initial: 300ms, multiplier: 1.5, max: 600ms, jitter: 0 }
          """.formatted(sink.port())));
                Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
            QueueManager qm = tern.delivery();
            HoldTarget site = new HoldTarget(Kind.SITE, "route:127.0.0.1:" + sink.port());
            HoldTarget d1 = new HoldTarget(Kind.DOMAIN, "d1.test");
            HoldTarget d4 = new HoldTarget(Kind.DOMAIN, "d4.test");
            AtomicBoolean hammering = new AtomicBoolean(true);
            AtomicInteger commands = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Runnable> actions = List.of(
                    () -> qm.hold(site, "race", HoldOrigin.OPERATOR, null),
                    () -> qm.release(site),
                    () -> qm.retry(site),
                    () -> qm.hold(d1, "race", HoldOrigin.OPERATOR, null),
                    () -> qm.release(d1),
                    () -> qm.retry(d1),
                    () -> qm.retry(null),
                    () -> qm.bounce(d4, "race"));
            List<Future<?>> hammers = new java.util.ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Random random = new Random(42 + t);
                hammers.add(pool.submit(() -> {
                    while (hammering.get()) {
                        actions.get(random.nextInt(actions.size())).run();
                        commands.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 400; i++) {
                assertThat(inj.send(List.of("r" + i + "@d" + (i % 5) + ".test"), "m" + i))
                        .startsWith("250");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.messageCount() >= 100 && commands.get() >= 300);
            hammering.set(false);
            for (Future<?> h : hammers) h.get(30, TimeUnit.SECONDS);
            pool.shutdown();

            qm.release(site);
            qm.release(d1);
            qm.retry(null);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                            .settled());
            Ledger end = Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                    .assertSettled();
            System.out.println("operator commands racing delivery: " + commands.get() + " commands; " + end);
            assertThat(commands.get()).isGreaterThanOrEqualTo(300);
            assertThat(end.counts().accepted()).isEqualTo(400);
            assertThat(end.counts().duplicates()).isZero();
            assertThat(end.bounced()).allMatch(r -> r.endsWith("@d4.test"));
            assertThat(end.delivered()).anyMatch(r -> r.endsWith("@d1.test"));
        }
    }
}
