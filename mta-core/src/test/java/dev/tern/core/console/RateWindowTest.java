package dev.tern.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RateWindowTest {
    @Test
    void noRateBeforeTwoSamples() {
        RateWindow w = new RateWindow(600_000);
        assertThat(w.rates(60_000)).isEmpty();
        w.add(new RateWindow.Sample(0, Map.of("delivered", 0.0)));
        assertThat(w.rates(60_000)).isEmpty();
    }

    @Test
    void rateOverTheRequestedWindow() {
        RateWindow w = new RateWindow(600_000);
        // 10 per second for 5 minutes, sampled every 5 s
        for (long t = 0; t <= 300_000; t += 5_000) {
            w.add(new RateWindow.Sample(
                    t, Map.of("delivered", t / 100.0, "bounced", t < 240_000 ? 0.0 : (t - 240_000) / 1000.0)));
        }
        RateWindow.Rates r1 = w.rates(60_000).orElseThrow();
        assertThat(r1.seconds()).isEqualTo(60.0);
        assertThat(r1.perSecond().get("delivered")).isCloseTo(10.0, within(1e-9));
        assertThat(r1.perSecond().get("bounced")).isCloseTo(1.0, within(1e-9)); // 60 in the last minute
        RateWindow.Rates r10 = w.rates(600_000).orElseThrow();
        assertThat(r10.seconds()).as("only 5 minutes were sampled").isEqualTo(300.0);
        assertThat(r10.perSecond().get("bounced")).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void oldSamplesAreDroppedAndCountersThatWentDownCountAsZero() {
        RateWindow w = new RateWindow(60_000);
        w.add(new RateWindow.Sample(0, Map.of("x", 100.0)));
        w.add(new RateWindow.Sample(200_000, Map.of("x", 50.0)));
        w.add(new RateWindow.Sample(200_000, Map.of("x", 9999.0))); // not newer: ignored
        RateWindow.Rates r = w.rates(60_000).orElseThrow();
        assertThat(r.perSecond().get("x")).isZero();
        w.add(new RateWindow.Sample(210_000, Map.of("x", 150.0)));
        assertThat(w.rates(60_000).orElseThrow().seconds())
                .as("the sample at 0 is gone")
                .isEqualTo(10.0);
    }
}
