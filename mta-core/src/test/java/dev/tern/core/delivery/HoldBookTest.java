package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.queue.Envelope;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.HoldTarget.Kind;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Holds: in force once stored, matched per entry or per destination, expired by the caller's time. */
class HoldBookTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    private static QueueEntry entry(String domain, String tenant, String campaign, String pool) {
        Envelope env = new Envelope("m1", "s@x.test", tenant, campaign, pool, false, 0, 1, 1, Map.of());
        return new QueueEntry(env, domain, List.of(RecipientState.pending("a@" + domain)), 0, 0);
    }

    private static Hold hold(Kind kind, String value, Instant expires) {
        return new Hold(new HoldTarget(kind, value), "why", HoldOrigin.OPERATOR, T0, expires);
    }

    @Test
    void entryHoldsMatchTheirDomainCampaignTenantOrPool() {
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            HoldBook book = new HoldBook(spool, env -> env.pool().isEmpty() ? "default" : env.pool());
            QueueEntry e = entry("a.test", "acme", "spring", "");
            assertThat(book.onEntry(e)).isEmpty();
            for (Hold h : List.of(
                    hold(Kind.DOMAIN, "a.test", null),
                    hold(Kind.CAMPAIGN, "spring", null),
                    hold(Kind.TENANT, "acme", null),
                    hold(Kind.POOL, "default", null))) {
                book.put(h);
                assertThat(book.onEntry(e)).as(h.target().toString()).contains(h);
                assertThat(book.onEntry(entry("b.test", "globex", "autumn", "bulk")))
                        .as(h.target().toString())
                        .isEmpty();
                assertThat(book.onDestination(new SiteKey.Relay("127.0.0.1", 25), ""))
                        .isEmpty();
                assertThat(book.remove(h.target())).isTrue();
            }
            assertThat(book.remove(new HoldTarget(Kind.DOMAIN, "a.test"))).isFalse();
        }
    }

    @Test
    void destinationHoldsMatchTheirSiteMxHostOrSource() {
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            HoldBook book = new HoldBook(spool, env -> "default");
            SiteKey site = new SiteKey.Mx(List.of("mx1.big.test", "mx2.big.test"));
            SiteKey other = new SiteKey.Mx(List.of("mx.small.test"));
            for (Hold h : List.of(
                    hold(Kind.SITE, site.key(), null),
                    hold(Kind.MX_HOST, "mx2.big.test", null),
                    hold(Kind.SOURCE, "ip1", null))) {
                book.put(h);
                String source = h.target().kind() == Kind.SOURCE ? "ip1" : "";
                assertThat(book.onDestination(site, source))
                        .as(h.target().toString())
                        .contains(h);
                assertThat(book.onDestination(other, "ip2"))
                        .as(h.target().toString())
                        .isEmpty();
                assertThat(book.onEntry(entry("big.test", "", "", ""))).isEmpty();
                book.remove(h.target());
            }
        }
    }

    @Test
    void holdsAreReadBackAfterAReopenAndExpireOnTheGivenTime() {
        Hold forever = hold(Kind.SITE, "route:127.0.0.1:25", null);
        Hold timed = new Hold(
                new HoldTarget(Kind.SITE, "mx:mx.busy.test"),
                "rule busy",
                HoldOrigin.AUTOMATION,
                T0,
                T0.plusSeconds(600));
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            HoldBook book = new HoldBook(spool, env -> "default");
            book.put(forever);
            book.put(timed);
        }
        try (Spool spool = Spool.open(SpoolSettings.defaults(dir))) {
            HoldBook book = new HoldBook(spool, env -> "default");
            assertThat(book.list()).containsExactly(timed, forever);
            assertThat(book.expire(T0.plusSeconds(599))).isEmpty();
            assertThat(book.expire(T0.plusSeconds(600))).containsExactly(timed);
            assertThat(book.list()).containsExactly(forever);
            assertThat(spool.holds()).containsExactly(forever);
        }
    }
}
