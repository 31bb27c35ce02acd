package dev.tern.dkim.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.testkit.fuzz.Fuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A time-bounded Jazzer campaign per target ({@code -Dtern.fuzz.seconds=N}, default 20; 0 skips). */
@Tag("slow")
class FuzzCampaignTest {
    @ParameterizedTest
    @ValueSource(classes = {CanonicalizationFuzzTarget.class, VerifierFuzzTarget.class})
    void campaignFindsNothing(Class<?> target) throws Exception {
        assumeTrue(Fuzzing.campaignsOn(target), "fuzzing campaigns off");
        Fuzzing.checkCampaign(target, 10);
    }
}
