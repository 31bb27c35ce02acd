package dev.tern.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SiteTest {

    @Test
    void sameHostsInAnyOrderCaseOrTrailingDotAreTheSameSite() {
        Site a = Site.of("MX2.Example.net.", "mx1.example.net");
        Site b = Site.of(List.of("mx1.example.net", "mx2.example.net", "MX1.example.net."));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.hosts()).containsExactly("mx1.example.net", "mx2.example.net");
        assertThat(a.name()).isEqualTo("mx1.example.net,mx2.example.net");
        assertThat(a).hasToString("mx1.example.net,mx2.example.net");
        assertThat(a.contains("MX2.example.net.")).isTrue();
        assertThat(a.contains("mx3.example.net")).isFalse();
    }

    @Test
    void singleHostSiteIsNamedAfterTheHost() {
        assertThat(Site.of("aspmx.l.google.com.").name()).isEqualTo("aspmx.l.google.com");
    }

    @Test
    void differentHostSetsAreDifferentSites() {
        assertThat(Site.of("mx1.example.net")).isNotEqualTo(Site.of("mx1.example.net", "mx2.example.net"));
    }

    @Test
    void invalidSitesAreRefused() {
        assertThatThrownBy(() -> Site.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Site.of(".")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Site("b,a", List.of("b", "a"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Site("x", List.of("a"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Site("a,b", List.of("a", "b"))).isEqualTo(Site.of("b", "a"));
    }
}
