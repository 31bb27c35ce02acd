package dev.tern.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.testkit.fuzz.Fuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The bounded campaign is deterministic: the same target, seed and number of runs give the same
 * executions, coverage, features, corpus and findings twice in a row (so CI fails only when the code
 * changes, never at random). Uses a single-threaded target; the loopback-server targets run other
 * threads whose timing may change coverage slightly, never the run count.
 */
@Tag("slow")
class FuzzDeterminismTest {
    @Test
    void twoBoundedCampaignsGiveTheSameResult() throws Exception {
        assumeTrue(!Fuzzing.longMode(), "long fuzzing mode: campaigns are open-ended");
        Class<?> target = dev.tern.core.inject.SmtpAddressFuzzTarget.class;
        Fuzzing.Campaign a = Fuzzing.boundedCampaign(target, 3000, 7, 30);
        Fuzzing.Campaign b = Fuzzing.boundedCampaign(target, 3000, 7, 30);
        System.out.println("first:  " + a.summary() + "\nsecond: " + b.summary());
        assertThat(a.clean()).as(a.summary()).isTrue();
        assertThat(a.executions()).isGreaterThanOrEqualTo(3000);
        assertThat(b.executions()).isEqualTo(a.executions());
        assertThat(b.coverage()).isEqualTo(a.coverage());
        assertThat(b.features()).isEqualTo(a.features());
        assertThat(b.corpusSize()).isEqualTo(a.corpusSize());
        assertThat(b.findings()).isEqualTo(a.findings());
    }
}
