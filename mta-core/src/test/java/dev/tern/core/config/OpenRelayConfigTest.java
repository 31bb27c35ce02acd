package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The open-relay guard: relay_from wider than private/loopback ranges on a public listener is refused. */
class OpenRelayConfigTest {
    private static String config(String listen, String relayFrom, boolean iKnow) {
        return """
        injection:
          listen: %s
          relay_from: [%s]
          i_know_this_is_an_open_relay: %s
        """.formatted(listen, relayFrom, iKnow);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0/0", "::/0", "0.0.0.0/1", "8.0.0.0/8", "2001:db8::/32"})
    void wideBlocksOnAPublicListenerAreAnOpenRelay(String block) {
        assertThatThrownBy(() -> ConfigLoader.parse(config("0.0.0.0:25", "10.0.0.0/8, \"" + block + "\"", false), "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("injection.relay_from[1]: ")
                .hasMessageContaining("open relay")
                .hasMessageContaining("i_know_this_is_an_open_relay");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0/8",
                "192.168.1.0/24",
                "172.16.0.0/12",
                "127.0.0.0/8",
                "::1/128",
                "fd00::/8",
                "203.0.113.0/24",
                "203.0.113.7",
                "2001:db8:1::/48"
            })
    void privateOrNarrowBlocksAreFine(String block) {
        assertThat(ConfigLoader.parse(config("0.0.0.0:25", "\"" + block + "\"", false), "t")
                        .injection()
                        .relayFrom())
                .hasSize(1);
    }

    @Test
    void aLoopbackListenerOrTheExplicitSwitchAllowsIt() {
        assertThat(ConfigLoader.parse(config("127.0.0.1:2525", "\"0.0.0.0/0\"", false), "t")
                        .injection()
                        .relayFrom())
                .hasSize(1);
        assertThat(ConfigLoader.parse(config("0.0.0.0:25", "\"0.0.0.0/0\"", true), "t")
                        .injection()
                        .iKnowThisIsAnOpenRelay())
                .isTrue();
    }

    @Test
    void aPublicSmtpsListenerCountsToo() {
        String yaml = """
        injection:
          listen: 127.0.0.1:2525
          relay_from: ["0.0.0.0/0"]
          tls: { smtps_listen: "0.0.0.0:465", certificate: /nonexistent/c.pem, private_key: /nonexistent/k.pem }
        """;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("injection.relay_from[0]: 0.0.0.0/0");
    }
}
