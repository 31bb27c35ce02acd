package dev.tern.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsSettingsTest {

    @Test
    void parsesServersWithAndWithoutPort() {
        assertThat(DnsSettings.parseServer("127.0.0.1:5353")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
        assertThat(DnsSettings.parseServer(" 127.0.0.1 ")).isEqualTo(new InetSocketAddress("127.0.0.1", 53));
        assertThat(DnsSettings.parseServer("[::1]:5353")).isEqualTo(new InetSocketAddress("::1", 5353));
        assertThat(DnsSettings.parseServer("[::1]")).isEqualTo(new InetSocketAddress("::1", 53));
        assertThat(DnsSettings.parseServer("::1")).isEqualTo(new InetSocketAddress("::1", 53));
    }

    @Test
    void badServersNameTheValue() {
        for (String bad :
                List.of("", "dns.example:53", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:x", "[::1", "[::1]53")) {
            assertThatThrownBy(() -> DnsSettings.parseServer(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void validatesValues() {
        DnsSettings d = DnsSettings.defaults();
        assertThat(d.servers()).isEmpty();
        assertThat(d.attempts()).isPositive();
        assertThatThrownBy(() -> new DnsSettings(
                        List.of(), Duration.ZERO, 1, 1, Duration.ZERO, Duration.ofDays(1), Duration.ZERO))
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> new DnsSettings(
                        List.of(), Duration.ofSeconds(1), 0, 1, Duration.ZERO, Duration.ofDays(1), Duration.ZERO))
                .hasMessageContaining("attempts");
        assertThatThrownBy(() -> new DnsSettings(
                        List.of(), Duration.ofSeconds(1), 1, -1, Duration.ZERO, Duration.ofDays(1), Duration.ZERO))
                .hasMessageContaining("cacheSize");
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", 5300);
        assertThat(d.withServers(List.of(server)).servers()).containsExactly(server);
    }
}
