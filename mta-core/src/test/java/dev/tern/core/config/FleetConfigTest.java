package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code fleet:} section: absent means alone; present binds and validates each key by its path. */
class FleetConfigTest {
    @Test
    void absentOrEmptyMeansAlone() {
        assertThat(ConfigLoader.parse("", "t").inFleet()).isFalse();
        assertThat(ConfigLoader.parse("fleet:\n", "t").inFleet()).isFalse();
        assertThat(TernConfig.defaults().fleet()).isNull();
    }

    @Test
    void presentBindsWithDefaultsAndOneNthLocalShare() {
        TernConfig c = ConfigLoader.parse("""
                fleet:
                  node_id: node-a
                  redis: redis://127.0.0.1:6390
                  size: 3
                """, "t");
        assertThat(c.inFleet()).isTrue();
        TernConfig.Fleet f = c.fleet();
        assertThat(f.nodeId()).isEqualTo("node-a");
        assertThat(f.redis()).isEqualTo("redis://127.0.0.1:6390");
        assertThat(f.effectiveLocalShare()).isEqualTo(1.0 / 3);
        assertThat(f.leaseTtl()).isEqualTo(Duration.ofSeconds(15));
        assertThat(f.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(f.tokenBatch()).isEqualTo(Duration.ofMillis(50));
        assertThat(f.sharesOnRedis()).isTrue();
        TernConfig explicit = ConfigLoader.parse("fleet: { size: 4, local_share: 0.5 }\n", "t");
        assertThat(explicit.fleet().effectiveLocalShare()).isEqualTo(0.5);
        assertThat(explicit.fleet().nodeId()).isEmpty();
        // no redis: nothing shared on Redis (a fleet may share only its Kafka events)
        assertThat(explicit.fleet().sharesOnRedis()).isFalse();
    }

    @Test
    void badValuesAreNamedByTheirKeyPath() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                        fleet:
                          node_id: "a b"
                          redis: http://x
                          size: 0
                          local_share: 1.5
                          lease_ttl: 1s
                          timeout: 0s
                          tokn_batch: 10ms
                        """, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fleet.node_id")
                .hasMessageContaining("fleet.redis: must be a URL redis://host:port[/db]")
                .hasMessageContaining("fleet.size")
                .hasMessageContaining("fleet.local_share")
                .hasMessageContaining("fleet.lease_ttl")
                .hasMessageContaining("fleet.timeout")
                .hasMessageContaining("fleet.tokn_batch: unknown key; did you mean 'token_batch'?");
    }
}
