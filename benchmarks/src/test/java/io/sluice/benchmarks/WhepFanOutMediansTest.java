package io.sluice.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link WhepFanOutBenchmark#medians}: rows as the benchmark prints them (session 17's run, two rounds at N = 30). */
class WhepFanOutMediansTest {
    @Test
    void mediansPerVariantAndPerRoundRatios() {
        List<String> rows = List.of(
                "cc0         0         -       -          -        -       -         -          -       2.2               -             -",
                "nocc        0         -       -          -        -       -         -          -       1.0               -             -",
                "cc0        30        30      30       30.0     3.02   0.000        42         69      16.3            4.71           212",
                "nocc       30        30      30       30.0     2.74   0.000         9         42      10.3            3.11           321",
                "cc0        30        30      30       30.0     3.03   0.000        51         78      14.9            4.23           236",
                "nocc       30        30      30       30.0     2.74   0.000        17         50       9.9            2.98           336",
                "cc0        60        60      60       30.0     3.02   0.000        53         81      20.1            2.99           335",
                "nocc       60        60      60       30.0     2.74   0.000        15         48      16.8            2.63           381");
        assertEquals(List.of("N = 30, 2 rounds, median viewers/core: cc0 224 (/nocc per round: median 0.68, range 0.66-0.70)"
                + " nocc 329"), WhepFanOutBenchmark.medians(rows, List.of("cc0", "nocc")));
    }
}
