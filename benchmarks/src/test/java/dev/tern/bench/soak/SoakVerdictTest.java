package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakVerdictTest {

    private static Sample sample(double t, double heapAfterGc, double p99) {
        return new Sample(t, "soak", 100, 0, 0, 0, 0, 0, 500, heapAfterGc, 50, 1200, 5, p99, 0, Double.NaN);
    }

    private static List<Sample> series(int n, double heapStart, double heapPerSample, double p99Start, double p99Step) {
        List<Sample> l = new ArrayList<>();
        for (int i = 0; i < n; i++)
            l.add(sample(10.0 * (i + 1), heapStart + i * heapPerSample, p99Start + i * p99Step));
        return l;
    }

    @Test
    void nothingLostPassesAndADifferenceFails() {
        List<Sample> s = series(9, 70, 0, 20, 0);
        assertThat(SoakVerdict.of(s, 1000, 930, 20, 50).countsOk()).isTrue();
        SoakVerdict lost = SoakVerdict.of(s, 1000, 929, 20, 50);
        assertThat(lost.countsOk()).isFalse();
        assertThat(lost.difference()).isEqualTo(-1);
        assertThat(lost.lines().get(0)).contains("FAIL: difference -1");
    }

    @Test
    void flatHeapIsFlatAndAGrowingHeapIsNot() {
        SoakVerdict flat = SoakVerdict.of(series(12, 70, 0.5, 20, 0), 0, 0, 0, 0);
        assertThat(flat.memoryFlat()).isTrue();
        assertThat(flat.memSlopeMiBPerMin()).isBetween(2.9, 3.1); // 0.5 MiB per 10 s sample
        SoakVerdict growing = SoakVerdict.of(series(12, 70, 10, 20, 0), 0, 0, 0, 0);
        assertThat(growing.memoryFlat()).isFalse();
        assertThat(growing.memLastThirdMiB()).isGreaterThan(growing.memFirstThirdMiB() + 32);
    }

    @Test
    void latencyDriftIsReported() {
        assertThat(SoakVerdict.of(series(6, 70, 0, 20, 1), 0, 0, 0, 0).latencyStable())
                .isTrue();
        SoakVerdict drift = SoakVerdict.of(series(6, 70, 0, 20, 40), 0, 0, 0, 0);
        assertThat(drift.latencyStable()).isFalse();
        assertThat(drift.p99FirstMs()).isEqualTo(20);
        assertThat(drift.p99LastMs()).isEqualTo(220);
    }

    @Test
    void drainSamplesDoNotCountForMemoryOrLatency() {
        List<Sample> s = series(6, 70, 0, 20, 0);
        s.add(new Sample(70, "drain", 0, 0, 0, 0, 0, 0, 900, 900, 50, 1200, 5, 5000, 0, Double.NaN));
        SoakVerdict v = SoakVerdict.of(s, 0, 0, 0, 0);
        assertThat(v.memoryFlat()).isTrue();
        assertThat(v.latencyStable()).isTrue();
    }
}
