package dev.tern.bounce.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.testkit.fuzz.Fuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A time-bounded Jazzer campaign per target ({@code -Dtern.fuzz.seconds=N}, default 20; 0 skips). */
@Tag("slow")
class FuzzCampaignTest {
    @ParameterizedTest
    @ValueSource(classes = {DsnFuzzTarget.class, ArfFuzzTarget.class, VerpFuzzTarget.class})
    void campaignFindsNothing(Class<?> target) throws Exception {
        int seconds = Fuzzing.campaignSeconds();
        assumeTrue(seconds > 0 && Fuzzing.selected(target), "fuzzing campaigns off");
        Fuzzing.Campaign c = Fuzzing.campaign(target, seconds, 10);
        System.out.println(c.summary());
        assertThat(c.clean()).as(c.summary() + "\n" + Fuzzing.tail(c.log(), 60)).isTrue();
        assertThat(c.executions()).as("executions").isPositive();
    }
}
