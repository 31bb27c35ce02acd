package dev.tern.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tern.testkit.fuzz.Fuzzing;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every checked-in fuzz input (seed corpus and crash reproducers) passes its target, quickly. */
class FuzzRegressionTest {
    @ParameterizedTest
    @ValueSource(
            classes = {
                SmtpInjectionFuzzTarget.class,
                SmtpClientFuzzTarget.class,
                ConfigFuzzTarget.class,
                dev.tern.core.inject.SmtpAddressFuzzTarget.class
            })
    void checkedInInputsPass(Class<?> target) {
        int replayed = assertTimeoutPreemptively(Duration.ofSeconds(90), () -> Fuzzing.replay(target));
        assertThat(replayed).as("inputs of " + target.getSimpleName()).isGreaterThan(5);
    }
}
