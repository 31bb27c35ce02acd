package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.HoldTarget.Kind;
import dev.tern.queue.QueueEntry;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Holds and expiry on the queue manager's clock: nothing here waits for real time to pass. */
class HoldsOnVirtualTimeTest {
    private static final long T0 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    @TempDir
    Path dir;

    @Test
    void anAutomationHoldEndsWhenItsTimeHasPassedAndItsMailGoesAtOnce() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(
                        config(dir, "routes: { \"*\": 127.0.0.1:%d }".formatted(sink.port())), clock)) {
            QueueManager qm = tern.delivery();
            HoldTarget site = new HoldTarget(Kind.SITE, "route:127.0.0.1:" + sink.port());
            HoldTarget tenant = new HoldTarget(Kind.TENANT, "other");
            qm.hold(site, "rule busy: 421", HoldOrigin.AUTOMATION, Duration.ofMinutes(10));
            qm.hold(tenant, "by hand", HoldOrigin.OPERATOR, null);
            String id = DeliveryFixture.store(tern.spool(), 1, "a.test", false, T0, T0)
                    .getFirst();
            qm.wake();
            // routed, found held, back in the spool until a minute from now (the hold ends later)
            await().atMost(Duration.ofSeconds(10)).until(() -> putBackAt(tern, id) == T0 + 60_000);

            clock.set(T0 + 10 * 60_000 - 1);
            qm.wake();
            await().atMost(Duration.ofSeconds(10)).until(() -> putBackAt(tern, id) == T0 + 10 * 60_000);
            assertThat(qm.hold(site)).isPresent();
            assertThat(sink.connectionsAccepted()).isZero();

            clock.set(T0 + 10 * 60_000);
            qm.wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(qm.holds()).extracting(h -> h.target()).containsExactly(tenant);
        }
    }

    @Test
    void aHeldEntryExpiresAtItsAgeLimitWithoutAnAttempt() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T0));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(
                        config(dir, "routes: { \"*\": 127.0.0.1:%d }".formatted(sink.port())), clock)) {
            QueueManager qm = tern.delivery();
            qm.hold(new HoldTarget(Kind.DOMAIN, "held.test"), "", HoldOrigin.OPERATOR, null);
            String id = DeliveryFixture.store(tern.spool(), 1, "held.test", false, T0, T0)
                    .getFirst();
            long limit = T0 + DAY; // the fixture's max age: a day
            qm.wake();
            await().atMost(Duration.ofSeconds(10)).until(() -> putBackAt(tern, id) == T0 + 60_000);

            // a minute before the limit: put back until the limit, not past it
            clock.set(limit - 59_000);
            qm.wake();
            await().atMost(Duration.ofSeconds(10)).until(() -> putBackAt(tern, id) == limit);

            clock.set(limit);
            qm.wake();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> tern.spool().entries(id).isEmpty());
            List<JsonNode> events = DeliveryFixture.events(dir);
            assertThat(events.stream().map(e -> e.path("type").asText()))
                    .contains("expiration")
                    .doesNotContain("transient_failure", "delivery");
            assertThat(sink.connectionsAccepted()).isZero();
        }
    }

    /** When the entry is due next, once it is back in the spool (not leased); -1 while leased or gone. */
    private static long putBackAt(TernServer tern, String id) {
        List<QueueEntry> e = tern.spool().entries(id);
        if (e.isEmpty() || tern.delivery().inFlight() > 0) return -1;
        return e.getFirst().nextAttemptAt();
    }
}
