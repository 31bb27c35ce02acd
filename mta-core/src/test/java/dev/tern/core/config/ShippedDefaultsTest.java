package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One source of defaults: the built-in defaults and the shipped config/tern.yaml are the same configuration. */
class ShippedDefaultsTest {
    static final Path SHIPPED = Path.of("../config/tern.yaml");

    @TempDir
    Path dir;

    @Test
    void anEmptyConfigAndTheShippedFileAreTheSameConfiguration() {
        TernConfig shipped = ConfigLoader.load(SHIPPED);
        TernConfig empty = ConfigLoader.parse("", "empty");
        TernConfig emptyMapping = ConfigLoader.parse("{}\n", "empty mapping");
        // section by section, so that a failure names the section
        for (RecordComponent c : TernConfig.class.getRecordComponents()) {
            assertThat(read(c, empty))
                    .as("section %s", ConfigBinder.snake(c.getName()))
                    .isEqualTo(read(c, shipped));
            assertThat(read(c, emptyMapping))
                    .as("section %s", ConfigBinder.snake(c.getName()))
                    .isEqualTo(read(c, shipped));
        }
        assertThat(empty).isEqualTo(shipped).isEqualTo(TernConfig.defaults());
    }

    @Test
    void everySectionOfTheDefaultsIsInTheShippedFile() throws Exception {
        String text = Files.readString(SHIPPED);
        for (RecordComponent c : TernConfig.class.getRecordComponents()) {
            assertThat(text)
                    .as("shipped file documents section")
                    .containsPattern("(?m)^" + ConfigBinder.snake(c.getName()) + ":");
        }
    }

    @Test
    void certificateAndKeyAloneOfferStarttls() {
        TernConfig c = ConfigLoader.parse("""
        injection:
          tls: { certificate: /etc/tern/cert.pem, private_key: /etc/tern/key.pem, self_signed: true }
        """, "t");
        assertThat(c.injection().tls().starttls()).isTrue();
        assertThat(c.injection().tls().enabled()).isTrue();
        assertThat(TernConfig.defaults().injection().tls().starttls()).isTrue();
    }

    @Test
    void theEffectiveConfigShownReadsBackToTheSameConfiguration() throws Exception {
        TernConfig shipped = ConfigLoader.load(SHIPPED);
        String shown = ConfigYaml.render(shipped, true);
        assertThat(shown)
                .contains("# Sync the write-ahead log before answering 250")
                .contains("  starttls: true")
                .contains("shaping_file: config/shaping.yaml")
                .contains("token_file: data/admin.token");
        Path file = Files.writeString(dir.resolve("shown.yaml"), shown);
        assertThat(ConfigLoader.load(file)).isEqualTo(shipped);
    }

    @Test
    void showWithoutEffectiveListsOnlyWhatDiffersAndHidesSecrets() {
        TernConfig c = ConfigLoader.parse("""
        admin: { token: s3cret-token }
        delivery:
          retry: { initial: 30s }
        routes:
          "*": 127.0.0.1:2526
        """, "t");
        String shown = ConfigYaml.render(c, false);
        assertThat(shown)
                .contains("initial: 30s")
                .contains("\"*\": 127.0.0.1:2526")
                .contains("token: " + "\"" + ConfigYaml.HIDDEN + "\"")
                .doesNotContain("s3cret")
                .doesNotContain("max_age")
                .doesNotContain("injection:");
    }

    @Test
    void aDuplicateKeyIsAnErrorNamingIt() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
        routes: {}
        delivery:
          max_age: 1d
        routes:
          "*": 127.0.0.1:2526
        """, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("routes: duplicate key (line 4)");
        assertThatThrownBy(() -> ConfigLoader.parse("""
        delivery:
          retry:
            initial: 1m
            initial: 2m
        """, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("delivery.retry.initial: duplicate key");
    }

    private static Object read(RecordComponent c, Object o) {
        try {
            return c.getAccessor().invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
