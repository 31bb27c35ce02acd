package dev.tern.core.inject.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthLimitsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void failuresWithinTheWindowLockTheAddressOutForTheLockoutOnly() throws Exception {
        AuthFailures f = new AuthFailures(3, Duration.ofMinutes(10), Duration.ofMinutes(5), clock);
        InetAddress a = InetAddress.getByName("192.0.2.1"), other = InetAddress.getByName("192.0.2.2");
        assertThat(f.failed(a)).isFalse();
        clock.advance(Duration.ofMinutes(11)); // the first failure no longer counts
        assertThat(f.failed(a)).isFalse();
        assertThat(f.failed(a)).isFalse();
        assertThat(f.lockedFor(a)).isEmpty();
        assertThat(f.failed(a)).isTrue();
        assertThat(f.lockedFor(a)).contains(Duration.ofMinutes(5));
        assertThat(f.lockedFor(other)).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(f.lockedFor(a)).isEmpty();
    }

    @Test
    void ipv6ClientsCountPerSlash64() throws Exception {
        AuthFailures f = new AuthFailures(2, Duration.ofMinutes(10), Duration.ofMinutes(5), clock);
        f.failed(InetAddress.getByName("2001:db8:1:2::1"));
        f.failed(InetAddress.getByName("2001:db8:1:2::ffff"));
        assertThat(f.lockedFor(InetAddress.getByName("2001:db8:1:2:abcd::9"))).isPresent();
        assertThat(f.lockedFor(InetAddress.getByName("2001:db8:1:3::1"))).isEmpty();
    }

    @Test
    void userRatesAreTokenBucketsPerSecondAndPerMinute() {
        UserRates r = new UserRates(Map.of("a", new UserRates.Limit(2, 3), "b", UserRates.Limit.NONE), clock);
        assertThat(r.tryAcquire("a")).isTrue();
        assertThat(r.tryAcquire("a")).isTrue();
        assertThat(r.tryAcquire("a")).isFalse(); // 2 per second
        clock.advance(Duration.ofSeconds(1));
        assertThat(r.tryAcquire("a")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(r.tryAcquire("a")).isFalse(); // 3 per minute
        clock.advance(Duration.ofSeconds(20)); // one minute token back
        assertThat(r.tryAcquire("a")).isTrue();
        for (int i = 0; i < 1000; i++) assertThat(r.tryAcquire("b")).isTrue();
        assertThat(r.tryAcquire("unknown")).isTrue();
    }

    @Test
    void grantsFollowTheAllowList() {
        assertThat(AuthUser.grant(List.of("acme"), null)).isEqualTo(new AuthUser.Grant(true, "acme"));
        assertThat(AuthUser.grant(List.of("acme"), "acme")).isEqualTo(new AuthUser.Grant(true, "acme"));
        assertThat(AuthUser.grant(List.of("acme"), "other").allowed()).isFalse();
        assertThat(AuthUser.grant(List.of("acme", "beta"), null).allowed()).isFalse();
        assertThat(AuthUser.grant(List.of(), null)).isEqualTo(new AuthUser.Grant(true, null));
        assertThat(AuthUser.grant(List.of(), "acme").allowed()).isFalse();
        assertThat(AuthUser.grant(List.of("*"), "anything")).isEqualTo(new AuthUser.Grant(true, "anything"));
    }
}
