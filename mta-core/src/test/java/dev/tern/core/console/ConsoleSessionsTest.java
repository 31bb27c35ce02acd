package dev.tern.core.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sessions and CSRF tokens on virtual time, without a browser or a server. */
class ConsoleSessionsTest {
    private static final String TOKEN = "admin-token-123";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final ConsoleSessions sessions =
            new ConsoleSessions(clock, new SecureRandom(), Duration.ofMinutes(30), Duration.ofHours(12), 3);

    @Test
    void loginNeedsTheExactNonEmptyToken() {
        assertThat(sessions.login("admin-token-12", TOKEN)).isEmpty();
        assertThat(sessions.login("admin-token-1234", TOKEN)).isEmpty();
        assertThat(sessions.login("", TOKEN)).isEmpty();
        assertThat(sessions.login(null, TOKEN)).isEmpty();
        assertThat(sessions.login("", ""))
                .as("no admin token: the console is off")
                .isEmpty();
        assertThat(sessions.login(TOKEN, TOKEN)).isPresent();
        assertThat(sessions.size()).isEqualTo(1);
    }

    @Test
    void idsAndCsrfTokensAreRandomAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
            assertThat(s.id()).hasSize(43).matches("[A-Za-z0-9_-]+"); // 32 bytes, base64url
            assertThat(s.csrf()).hasSize(43).isNotEqualTo(s.id());
            assertThat(seen.add(s.id())).isTrue();
            assertThat(seen.add(s.csrf())).isTrue();
        }
    }

    @Test
    void findsOnlyKnownIds() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(sessions.find(s.id(), TOKEN)).containsSame(s);
        assertThat(sessions.find(s.id() + "x", TOKEN)).isEmpty();
        assertThat(sessions.find(s.csrf(), TOKEN))
                .as("the CSRF token is not a session id")
                .isEmpty();
        assertThat(sessions.find("", TOKEN)).isEmpty();
        assertThat(sessions.find(null, TOKEN)).isEmpty();
    }

    @Test
    void idleSessionsExpireAndUseKeepsThemAlive() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(s.id(), TOKEN)).isPresent();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(s.id(), TOKEN)).as("touched 29 min ago").isPresent();
        clock.advance(Duration.ofMinutes(30));
        assertThat(sessions.find(s.id(), TOKEN)).as("idle for 30 min").isEmpty();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void sessionsEndAtTheirMaximumAgeEvenWhenUsed() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        for (int i = 0; i < 12 * 4 - 1; i++) {
            clock.advance(Duration.ofMinutes(15));
            assertThat(sessions.find(s.id(), TOKEN)).isPresent();
        }
        clock.advance(Duration.ofMinutes(15));
        assertThat(sessions.find(s.id(), TOKEN)).as("12 h after login").isEmpty();
    }

    @Test
    void aNewAdminTokenEndsEverySession() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(sessions.find(s.id(), "rotated-token")).isEmpty();
        assertThat(sessions.find(s.id(), TOKEN)).as("ended, not only hidden").isEmpty();
        ConsoleSessions.Session t = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(sessions.find(t.id(), "")).as("token removed: console off").isEmpty();
    }

    @Test
    void logoutEndsTheSession() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        sessions.end(s);
        assertThat(sessions.find(s.id(), TOKEN)).isEmpty();
    }

    @Test
    void csrfMustMatchTheSessionsOwnToken() {
        ConsoleSessions.Session a = sessions.login(TOKEN, TOKEN).orElseThrow();
        ConsoleSessions.Session b = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(ConsoleSessions.csrfMatches(a, a.csrf())).isTrue();
        assertThat(ConsoleSessions.csrfMatches(a, b.csrf()))
                .as("another session's token")
                .isFalse();
        assertThat(ConsoleSessions.csrfMatches(a, a.id())).as("the session id").isFalse();
        assertThat(ConsoleSessions.csrfMatches(a, a.csrf().substring(1))).isFalse();
        assertThat(ConsoleSessions.csrfMatches(a, a.csrf() + "A")).isFalse();
        assertThat(ConsoleSessions.csrfMatches(a, "")).isFalse();
        assertThat(ConsoleSessions.csrfMatches(a, null)).isFalse();
    }

    @Test
    void atMostMaxSessionsLiveAndTheLeastRecentlyUsedGoesFirst() {
        ConsoleSessions.Session a = sessions.login(TOKEN, TOKEN).orElseThrow();
        clock.advance(Duration.ofSeconds(1));
        ConsoleSessions.Session b = sessions.login(TOKEN, TOKEN).orElseThrow();
        clock.advance(Duration.ofSeconds(1));
        ConsoleSessions.Session c = sessions.login(TOKEN, TOKEN).orElseThrow();
        clock.advance(Duration.ofSeconds(1));
        sessions.find(a.id(), TOKEN); // a is now the most recently used
        ConsoleSessions.Session d = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(sessions.size()).isEqualTo(3);
        assertThat(sessions.find(b.id(), TOKEN)).isEmpty();
        assertThat(sessions.find(a.id(), TOKEN)).isPresent();
        assertThat(sessions.find(c.id(), TOKEN)).isPresent();
        assertThat(sessions.find(d.id(), TOKEN)).isPresent();
    }

    @Test
    void flashIsShownOnce() {
        ConsoleSessions.Session s = sessions.login(TOKEN, TOKEN).orElseThrow();
        assertThat(s.takeFlash()).isNull();
        s.flash("Done: suspend site:x.");
        assertThat(s.takeFlash()).isEqualTo("Done: suspend site:x.");
        assertThat(s.takeFlash()).isNull();
    }

    @Test
    void loginThrottleRefusesAfterTooManyFailuresUntilTheWindowEnds() {
        LoginThrottle t = new LoginThrottle(clock, 3, Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            assertThat(t.allowed()).isTrue();
            t.failed();
        }
        assertThat(t.allowed()).isFalse();
        clock.advance(Duration.ofSeconds(59));
        assertThat(t.allowed()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(t.allowed()).isTrue();
    }
}
