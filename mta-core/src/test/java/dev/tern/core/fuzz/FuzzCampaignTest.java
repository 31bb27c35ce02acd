package dev.tern.core.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.testkit.fuzz.Fuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A time-bounded Jazzer campaign per target ({@code -Dtern.fuzz.seconds=N}, default 20; 0 skips). */
@Tag("slow")
class FuzzCampaignTest {
    @ParameterizedTest
    @ValueSource(
            classes = {
                SmtpInjectionFuzzTarget.class,
                SmtpClientFuzzTarget.class,
                ConfigFuzzTarget.class,
                dev.tern.core.inject.SmtpAddressFuzzTarget.class
            })
    void campaignFindsNothing(Class<?> target) throws Exception {
        assumeTrue(Fuzzing.campaignsOn(target), "fuzzing campaigns off");
        Fuzzing.checkCampaign(target, 30);
    }
}
