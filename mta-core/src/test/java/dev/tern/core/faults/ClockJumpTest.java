package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.queue.QueueEntry;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wall clock jumps forward by hours, and backward by hours, while mail is deferred. */
class ClockJumpTest {
    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path dir;

    /**
     * Expected behaviour, with retries after 1m, 2m, 4m ... (at most 10m) and a 2h age limit:
     * <ul>
     *   <li>forward jump past a retry time but within the age limit: each due retry runs at once,
     *       once (not once per missed interval), and the mail is delivered;
     *   <li>forward jump past the age limit: each due message gets its one attempt; refused again,
     *       it expires with an {@code expiration} event instead of being deferred once more;
     *   <li>backward jump: nothing expires and nothing is retried early (deferred mail keeps its
     *       absolute retry time, so its retry comes later by the size of the jump); mail arriving
     *       after the jump is not held up by it: a site held down after a connection failure is
     *       held for its normal hold time (the first retry delay), not for the jump as well.
     * </ul>
     */
    @Test
    void retriesRunAfterAForwardJumpExpiryIsByAgeAndABackwardJumpHoldsNothingUp() throws Exception {
        MutableClock clock = new MutableClock(T0);
        AtomicBoolean busy = new AtomicBoolean(true);
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onRcpt(r -> r.startsWith("old") || (r.startsWith("fwd") && busy.get())
                    ? "451 4.2.1 mailbox busy, try later"
                    : null);
            try (TernServer tern = TernServer.start(Faults.config(dir, """
          routes: { "*": 127.0.0.1:%d }
          delivery:
            retry: { initial: 1m, multiplier: 2.0, max: 10m, jitter: 0 }
            max_age: 2h
            # a new connection per wave: the site "goes down" below by its banner
            idle_connection_timeout: 0s
          """.formatted(sink.port())), clock);
                    Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
                // forward jump within the age limit: the due retry runs, once
                for (int i = 0; i < 10; i++)
                    assertThat(inj.send(List.of("fwd" + i + "@jump.test"), "f" + i))
                            .startsWith("250");
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        ledger(tern, inj, sink).assertBalanced().queued())
                                .hasSize(10)
                                .allSatisfy(
                                        r -> assertThat(ledger(tern, inj, sink).transientFailures(r))
                                                .isEqualTo(1)));
                busy.set(false);
                clock.advance(Duration.ofMinutes(45));
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ledger(tern, inj, sink).settled());
                Ledger afterForward = ledger(tern, inj, sink);
                assertThat(afterForward.delivered())
                        .hasSize(10)
                        .allSatisfy(r ->
                                assertThat(afterForward.transientFailures(r)).isEqualTo(1));
                assertThat(afterForward.duplicates()).isEmpty();

                // forward jump past the age limit: one more attempt each, refused, expired
                for (int i = 0; i < 10; i++)
                    assertThat(inj.send(List.of("old" + i + "@jump.test"), "o" + i))
                            .startsWith("250");
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        ledger(tern, inj, sink).assertBalanced().queued())
                                .hasSize(10));
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> tern.delivery().inFlight() == 0);
                clock.advance(Duration.ofHours(3));
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ledger(tern, inj, sink).settled());
                Ledger afterExpiry = ledger(tern, inj, sink);
                // (the attempt after the jump is logged as a transient_failure, then the expiration)
                assertThat(afterExpiry.expired())
                        .hasSize(10)
                        .allMatch(r -> r.startsWith("old"))
                        .allSatisfy(r ->
                                assertThat(afterExpiry.transientFailures(r)).isEqualTo(2));

                // backward jump while a site is held down after a connection failure
                sink.onBanner("421 4.3.2 down for maintenance");
                // (one message, so one connection attempt defers all of it: later ones would wait for the site in
                // memory)
                assertThat(inj.send(
                                List.of(
                                        "back0@jump.test",
                                        "back1@jump.test",
                                        "back2@jump.test",
                                        "back3@jump.test",
                                        "back4@jump.test"),
                                "k"))
                        .startsWith("250");
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        ledger(tern, inj, sink).assertBalanced().queued())
                                .hasSize(5)
                                .allSatisfy(
                                        r -> assertThat(ledger(tern, inj, sink).transientFailures(r))
                                                .isEqualTo(1)));
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> tern.delivery().inFlight() == 0);
                long retryAt = nextAttempt(tern);
                assertThat(retryAt).isEqualTo(clock.millis() + 60_000);
                sink.onBanner(null);
                clock.advance(Duration.ofHours(-3));
                for (int i = 0; i < 5; i++)
                    assertThat(inj.send(List.of("new" + i + "@jump.test"), "n" + i))
                            .startsWith("250");
                clock.advance(Duration.ofSeconds(61)); // the site's normal hold time
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        ledger(tern, inj, sink).assertBalanced().delivered())
                                .filteredOn(r -> r.startsWith("new"))
                                .hasSize(5));
                Ledger afterBackward = ledger(tern, inj, sink).assertBalanced();
                assertThat(afterBackward.queued())
                        .hasSize(5)
                        .allMatch(r -> r.startsWith("back"))
                        .allSatisfy(r ->
                                assertThat(afterBackward.transientFailures(r)).isEqualTo(1));
                assertThat(nextAttempt(tern)).isEqualTo(retryAt);
                // their retry time comes round again
                clock.set(retryAt);
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ledger(tern, inj, sink).settled());
                Ledger end = ledger(tern, inj, sink).assertSettled();
                System.out.println("clock jumps: " + end);
                assertThat(end.counts()).isEqualTo(new Ledger.Counts(30, 20, 0, 10, 0, 0, 0));
            }
        }
    }

    /** The next attempt time of the only entries left (all the same). */
    private static long nextAttempt(TernServer tern) {
        List<Long> times = new java.util.ArrayList<>();
        tern.spool().forEachEntry((QueueEntry e) -> times.add(e.nextAttemptAt()));
        assertThat(times).isNotEmpty();
        assertThat(times.stream().distinct()).hasSize(1);
        return times.getFirst();
    }

    private Ledger ledger(TernServer tern, Faults.Injector inj, SmtpSink sink) {
        return Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages());
    }
}
