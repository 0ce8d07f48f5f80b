package dev.infuse.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Holm, McNemar, the normal quantile, the MDE and the seed advice against values derived by hand. */
class ClosedFormTest {

    @Test
    void holmStepsDownAndStaysMonotone() {
        // m = 4 (the NaN does not count). Sorted: 0.01, 0.02, 0.03, 0.20 -> ×4, ×3, ×2, ×1 = 0.04, 0.06, 0.06, 0.20.
        double[] adj = Tests.holm(new double[] {0.03, Double.NaN, 0.01, 0.20, 0.02});
        assertThat(adj[2]).isCloseTo(0.04, within(1e-12));
        assertThat(adj[4]).isCloseTo(0.06, within(1e-12));
        assertThat(adj[0]).isCloseTo(0.06, within(1e-12)); // 2 × 0.03 = 0.06, kept ≥ the previous 0.06
        assertThat(adj[3]).isCloseTo(0.20, within(1e-12));
        assertThat(adj[1]).isNaN();
        // Monotone: 0.04 then 3 × 0.011 = 0.033 would fall below it; Holm keeps 0.04.
        double[] mono = Tests.holm(new double[] {0.01, 0.011, 0.5});
        assertThat(mono[0]).isCloseTo(0.03, within(1e-12));
        assertThat(mono[1]).isCloseTo(0.03, within(1e-12));
        assertThat(mono[2]).isCloseTo(0.5, within(1e-12));
        assertThat(Tests.holm(new double[] {0.6, 0.7})).containsExactly(1.0, 1.0);
    }

    @Test
    void mcnemarExactIsTheDoubledBinomialTail() {
        // b = 1, c = 5: n = 6, P(X <= 1) = (C(6,0) + C(6,1)) / 2^6 = 7/64; two-sided 14/64.
        assertThat(Tests.mcnemarExact(1, 5)).isCloseTo(14.0 / 64, within(1e-12));
        assertThat(Tests.mcnemarExact(5, 1)).isCloseTo(14.0 / 64, within(1e-12));
        // b = 0, c = 10: 2 / 1024.
        assertThat(Tests.mcnemarExact(0, 10)).isCloseTo(2.0 / 1024, within(1e-15));
        // b = c: the tail passes 1/2, capped at 1.
        assertThat(Tests.mcnemarExact(3, 3)).isEqualTo(1.0);
        assertThat(Tests.mcnemarExact(0, 0)).isEqualTo(1.0);
        // b = 2, c = 8: (1 + 10 + 45) / 1024 × 2 = 112/1024.
        assertThat(Tests.mcnemarExact(2, 8)).isCloseTo(112.0 / 1024, within(1e-12));
        // Large n stays finite (no underflow of 2^-n): 400 vs 600 discordant items is far in the tail.
        double p = Tests.mcnemarExact(400, 600);
        assertThat(p).isGreaterThan(0).isLessThan(1e-9);
    }

    @Test
    void normalQuantileMatchesTabulatedValues() {
        assertThat(Tests.normalQuantile(0.975)).isCloseTo(1.959963984540054, within(1e-8));
        assertThat(Tests.normalQuantile(0.8)).isCloseTo(0.8416212335729143, within(1e-8));
        assertThat(Tests.normalQuantile(0.5)).isCloseTo(0.0, within(1e-12));
        assertThat(Tests.normalQuantile(0.01)).isCloseTo(-2.3263478740408408, within(1e-8));
        assertThat(Tests.normalCdf(1.959963984540054)).isCloseTo(0.975, within(1e-7));
    }

    @Test
    void mdeAndSeedAdvice() {
        // (1.95996 + 0.84162) × 0.01 = 0.0280158.
        assertThat(Tests.minimumDetectableEffect(0.01, 0.05, 0.8)).isCloseTo(0.0280158, within(1e-6));
        double z = 1.959963984540054 + 0.8416212335729143;
        // target 0.03: (0.03/z)^2 = 1.14672e-4; item sd 0.005 -> budget 1.14672e-4 - 2.5e-5 = 8.9672e-5;
        // seed sd 0.02 -> 4e-4 / 8.9672e-5 = 4.46 -> 5 seeds.
        double budget = (0.03 / z) * (0.03 / z) - 0.005 * 0.005;
        assertThat(Math.ceil(0.02 * 0.02 / budget)).isEqualTo(5.0);
        assertThat(Tests.seedsFor(0.03, 0.005, 0.02, 0.05, 0.8)).isEqualTo(5);
        assertThat(Tests.seedsFor(0.03, 0.005, Double.NaN, 0.05, 0.8)).isEqualTo(Tests.UNMEASURED);
        // The item spread alone exceeds the target: no seed count helps.
        assertThat(Tests.seedsFor(0.01, 0.005, 0.001, 0.05, 0.8)).isEqualTo(Tests.UNREACHABLE);
        assertThat(Tests.seedsFor(0.5, 0.001, 0.0, 0.05, 0.8)).isEqualTo(1);
    }
}
