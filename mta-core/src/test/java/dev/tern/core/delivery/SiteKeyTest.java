package dev.tern.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SiteKeyTest {
    @Test
    void keysPrintAndParseBackToTheSameSite() {
        SiteKey mx = new SiteKey.Mx(List.of("mx1.example.com", "mx2.example.com"));
        assertThat(mx.key()).isEqualTo("mx:mx1.example.com,mx2.example.com");
        assertThat(SiteKey.parse(mx.key())).isEqualTo(mx);
        assertThat(mx.hostNames()).containsExactly("mx1.example.com", "mx2.example.com");

        SiteKey relay = new SiteKey.Relay("Smart.Example.COM", 2525);
        assertThat(relay.key()).isEqualTo("route:smart.example.com:2525");
        assertThat(SiteKey.parse("route:smart.example.com:2525")).isEqualTo(relay);
        assertThat(relay.hostNames()).containsExactly("smart.example.com");

        SiteKey v6 = new SiteKey.Relay("::1", 25);
        assertThat(v6.key()).isEqualTo("route:[::1]:25");
        assertThat(SiteKey.parse(v6.key())).isEqualTo(v6);
    }

    @Test
    void badKeysAreRefusedWithTheExpectedForms() {
        for (String bad : List.of(
                "",
                "gmail",
                "mx:",
                "mx:b.test,a.test",
                "mx:a.test,,b.test",
                "route:host",
                "route:h:0",
                "route:h:99999",
                "route:h:x")) {
            assertThatThrownBy(() -> SiteKey.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected mx:host");
        }
    }
}
