package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code fleet.kafka}: off by default, binds with the defaults the shipped file states, errors name the key path. */
class KafkaEventsConfigTest {
    @Test
    void offByDefaultAndBindsWithDefaults() {
        assertThat(ConfigLoader.parse("fleet: { size: 1 }\n", "t")
                        .fleet()
                        .kafka()
                        .enabled())
                .isFalse();
        KafkaEvents k = ConfigLoader.parse("""
                fleet:
                  kafka: { bootstrap: "127.0.0.1:9092, kafka2:9093", properties: { compression.type: zstd } }
                """, "t").fleet().kafka();
        assertThat(k.enabled()).isTrue();
        assertThat(k.topic()).isEqualTo("tern-events");
        assertThat(k.batchSize()).isEqualTo(500);
        assertThat(k.deliveryTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(k.retryInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(k.retryMax()).isEqualTo(Duration.ofMinutes(1));
        assertThat(k.cursor()).isEmpty();
        assertThat(k.properties()).isEqualTo(Map.of("compression.type", "zstd"));
    }

    /** The commented defaults in config/tern.yaml are the code's. */
    @Test
    void theShippedFileStatesTheCodeDefaults() throws Exception {
        String text = Files.readString(ShippedDefaultsTest.SHIPPED);
        int at = text.indexOf("  # kafka:\n");
        assertThat(at).isPositive();
        StringBuilder yaml = new StringBuilder("fleet:\n  kafka:\n");
        Matcher m = Pattern.compile("(?m)^  #   ([a-z_]+): (\\S+)").matcher(text.substring(at));
        while (m.find())
            yaml.append("    ")
                    .append(m.group(1))
                    .append(": ")
                    .append(m.group(2))
                    .append('\n');
        KafkaEvents shipped =
                ConfigLoader.parse(yaml.toString(), "shipped").fleet().kafka();
        assertThat(shipped).isEqualTo(KafkaEvents.defaults());
        assertThat(yaml.toString())
                .contains("bootstrap:")
                .contains("properties:")
                .contains("retry_max:");
    }

    @Test
    void badValuesAreNamedByTheirKeyPath() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                        fleet:
                          kafka:
                            bootstrap: "kafka-without-port"
                            topic: "bad topic"
                            batch_size: 0
                            delivery_timeout: 100ms
                            retry_initial: 2s
                            retry_max: 1s
                            properties: { acks: "1", enable.idempotence: "false" }
                            topc: x
                        """, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fleet.kafka.bootstrap: must be host:port")
                .hasMessageContaining("fleet.kafka.topic: must be a Kafka topic name")
                .hasMessageContaining("fleet.kafka.batch_size")
                .hasMessageContaining("fleet.kafka.delivery_timeout")
                .hasMessageContaining("fleet.kafka.retry_max")
                .hasMessageContaining("fleet.kafka.properties.acks: is fixed by Tern")
                .hasMessageContaining("fleet.kafka.properties.\"enable.idempotence\": is fixed by Tern")
                .hasMessageContaining("fleet.kafka.topc: unknown key; did you mean 'topic'?");
    }
}
