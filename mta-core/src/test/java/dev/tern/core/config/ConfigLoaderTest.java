package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    @Test
    void shippedConfigIsValidAndMatchesDefaults() {
        TernConfig shipped = ConfigLoader.load(Path.of("../config/tern.yaml"));
        assertThat(shipped.injection().listen()).isEqualTo(new HostPort("127.0.0.1", 2525));
        assertThat(shipped.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 8025));
        assertThat(shipped.spool().sync()).isTrue();
        assertThat(shipped.delivery().retry().initial()).isEqualTo(Duration.ofMinutes(1));
        assertThat(shipped.delivery().maxAge()).isEqualTo(Duration.ofDays(3));
        assertThat(shipped.routes()).isEmpty();
        assertThat(shipped.dns().servers()).isEmpty();
    }

    @Test
    void anAdminListenerOffLoopbackNeedsAToken() {
        assertThatThrownBy(() -> ConfigLoader.parse("admin: { listen: 0.0.0.0:8025 }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.token: required when admin.listen is not a loopback address");
        assertThat(ConfigLoader.parse("admin: { listen: 0.0.0.0:8025, token: secret }\n", "t")
                        .admin()
                        .token())
                .isEqualTo("secret");
        assertThat(ConfigLoader.parse("admin: { listen: \"[::1]:8025\" }\n", "t")
                        .admin()
                        .listen()
                        .port())
                .isEqualTo(8025);
        assertThat(ConfigLoader.parse("admin: { listen: localhost:8025 }\n", "t")
                        .admin()
                        .publicMetrics())
                .isFalse();
    }

    @Test
    void emptyFileGivesDefaults() {
        assertThat(ConfigLoader.parse("", "t")).isEqualTo(TernConfig.defaults());
    }

    @Test
    void partialSectionsKeepOtherDefaults() {
        TernConfig c = ConfigLoader.parse("""
        delivery:
          max_connections_per_destination: 5
          retry: { initial: 30s }
        routes:
          example.test: 127.0.0.1:2526
          "*.example.org": "[::1]:25"
        """, "t");
        assertThat(c.delivery().maxConnectionsPerDestination()).isEqualTo(5);
        assertThat(c.delivery().maxMessagesPerConnection()).isEqualTo(1024);
        assertThat(c.delivery().idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.delivery().retry().initial()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.delivery().retry().max()).isEqualTo(Duration.ofHours(1));
        assertThat(c.routes()).containsEntry("*.example.org", new HostPort("::1", 25));
    }

    @Test
    void reportsEveryProblemWithItsKeyPath() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
        injection:
          max_recipents: 10
          max_message_size: 50MiB
        delivery:
          max_connections_per_destination: -3
          retry:
            multiplier: 0.5
            initial: soon
        spool:
          sync: maybe
        routes:
          "bad domain!": 127.0.0.1:25
          ok.test: nohostport
        unknown_section: {}
        """, "test.yaml"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .satisfiesExactlyInAnyOrder(
                                        p -> assertThat(p)
                                                .startsWith(
                                                        "injection.max_recipents: unknown key; did you mean 'max_recipients'?"),
                                        p -> assertThat(p)
                                                .isEqualTo(
                                                        "delivery.max_connections_per_destination: must be >= 1 (got -3)"),
                                        p -> assertThat(p).startsWith("delivery.retry.multiplier: must be >= 1"),
                                        p -> assertThat(p).startsWith("delivery.retry.initial: not a duration"),
                                        p -> assertThat(p).startsWith("spool.sync: expected true or false"),
                                        p -> assertThat(p).startsWith("routes.\"bad domain!\": not a domain"),
                                        p -> assertThat(p).startsWith("routes.\"ok.test\": expected host:port"),
                                        p -> assertThat(p).startsWith("unknown_section: unknown key")));
    }

    @Test
    void invalidYamlIsReportedWithPosition() {
        assertThatThrownBy(() -> ConfigLoader.parse("injection:\n  listen: [unclosed\n", "x.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML at line");
    }

    @Test
    void sizesDurationsAndCidrs() {
        assertThat(DataSize.parse("50MiB").bytes()).isEqualTo(50L << 20);
        assertThat(DataSize.parse("2GB").bytes()).isEqualTo(2_000_000_000L);
        assertThat(DataSize.parse("4096").bytes()).isEqualTo(4096);
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("3d")).isEqualTo(Duration.ofDays(3));
        Cidr loop = Cidr.parse("127.0.0.0/8");
        assertThat(loop.contains(java.net.InetAddress.getLoopbackAddress())).isTrue();
        assertThat(Cidr.parse("::1/128").contains(java.net.InetAddress.getLoopbackAddress()))
                .isFalse();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length");
    }

    @Test
    void spoolBodyCacheIsASizeOfAtLeastZero() {
        assertThat(ConfigLoader.parse("", "t").spool().bodyCache().bytes()).isEqualTo(16L << 20);
        assertThat(ConfigLoader.parse("spool: { body_cache: 0 }\n", "t")
                        .spool()
                        .bodyCache()
                        .bytes())
                .isZero();
        assertThat(ConfigLoader.parse("spool: { body_cache: 4MiB }\n", "t")
                        .spool()
                        .bodyCache()
                        .bytes())
                .isEqualTo(4L << 20);
        assertThatThrownBy(() -> ConfigLoader.parse("spool: { body_cache: -1 }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spool.body_cache: must be >= 0");
        assertThatThrownBy(() -> ConfigLoader.parse("spool: { body_cache: lots }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spool.body_cache");
    }

    @Test
    void idleConnectionTimeoutIsBounded() {
        assertThat(ConfigLoader.parse("delivery: { idle_connection_timeout: 0s }\n", "t")
                        .delivery()
                        .idleConnectionTimeout())
                .isZero();
        assertThatThrownBy(() -> ConfigLoader.parse("delivery: { idle_connection_timeout: 11m }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("delivery.idle_connection_timeout: must be 0s..10m");
    }

    @Test
    void eventLoopsDefaultToOnePerFourCores() {
        TernConfig.Delivery d =
                ConfigLoader.parse("delivery: { smtp_port: 25 }\n", "t").delivery();
        assertThat(d.eventLoops()).isZero();
        assertThat(d.effectiveEventLoops())
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 4));
        assertThat(ConfigLoader.parse("delivery: { event_loops: 3 }\n", "t")
                        .delivery()
                        .effectiveEventLoops())
                .isEqualTo(3);
        assertThatThrownBy(() -> ConfigLoader.parse("delivery: { event_loops: -1 }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("delivery.event_loops: must be 0");
    }
}
