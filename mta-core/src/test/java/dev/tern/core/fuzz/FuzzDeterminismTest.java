package dev.tern.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.testkit.fuzz.Fuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The bounded campaign is deterministic: the same target, seed and number of runs give the same
 * executions, coverage, features, corpus and findings twice in a row (so CI fails only when the code
 * changes, never at random): a single-threaded target under Jazzer, and a loopback-server target
 * ({@code THREADED}: its bounded campaign is feedback-free) in this JVM.
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

    @Test
    void twoFeedbackFreeCampaignsOfTheLoopbackServerRunTheSameInputs() throws Exception {
        assumeTrue(!Fuzzing.longMode(), "long fuzzing mode: campaigns are open-ended");
        Fuzzing.Campaign a = Fuzzing.feedbackFreeCampaign(SmtpInjectionFuzzTarget.class, 120, 3, 30);
        Fuzzing.Campaign b = Fuzzing.feedbackFreeCampaign(SmtpInjectionFuzzTarget.class, 120, 3, 30);
        Fuzzing.Campaign other = Fuzzing.feedbackFreeCampaign(SmtpInjectionFuzzTarget.class, 120, 4, 30);
        System.out.println("first:  " + a.summary() + "\nsecond: " + b.summary() + "\nseed 4: " + other.summary());
        assertThat(a.clean()).as(a.summary()).isTrue();
        assertThat(a.executions()).isEqualTo(120);
        assertThat(b.executions()).isEqualTo(a.executions());
        assertThat(b.inputsDigest()).isEqualTo(a.inputsDigest());
        assertThat(b.findings()).isEqualTo(a.findings());
        assertThat(other.inputsDigest()).isNotEqualTo(a.inputsDigest());
    }
}
