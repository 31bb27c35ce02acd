package dev.tern.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void sizesAndOptions() {
        assertThat(Args.size("5k")).isEqualTo(5120);
        assertThat(Args.size("100KB")).isEqualTo(102400);
        assertThat(Args.size("5120")).isEqualTo(5120);
        Args a = new Args(new String[] {"--rate", "12.5", "--sessions", "7"}, Set.of("rate", "sessions", "size"));
        assertThat(a.getDouble("rate", 0)).isEqualTo(12.5);
        assertThat(a.getInt("sessions", 1)).isEqualTo(7);
        assertThat(a.getInt("size", 3)).isEqualTo(3);
        assertThatThrownBy(() -> new Args(new String[] {"--nope", "1"}, Set.of("rate")))
                .hasMessageContaining("--nope");
    }

    @Test
    void onlyLoopbackTargets() {
        assertThatThrownBy(() ->
                        new SmtpLoad.Settings(Args.hostPort("192.0.2.1:25"), 1, 0, 1024, 1, null, "a@b", i -> "c@d"))
                .hasMessageContaining("non-loopback");
    }
}
