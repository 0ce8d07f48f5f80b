package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The activation cache's float-to-bfloat16 rounding: nearest, ties to even, NaN kept. */
class BfloatRoundingTest {
    static float widen(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    @Test
    void exactValuesPassUnchanged() {
        assertThat(ActivationCache.toBfloat16(1.0f)).isEqualTo((short) 0x3f80);
        assertThat(ActivationCache.toBfloat16(-2.5f)).isEqualTo((short) 0xc020);
        assertThat(widen(ActivationCache.toBfloat16(-0.0f))).isEqualTo(-0.0f);
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        float ulp = (float) Math.pow(2, -7);                        // bfloat16's spacing just above 1
        assertThat(widen(ActivationCache.toBfloat16(1 + ulp / 2))).as("tie, even below").isEqualTo(1.0f);
        assertThat(widen(ActivationCache.toBfloat16(1 + 3 * ulp / 2))).as("tie, even above").isEqualTo(1 + 2 * ulp);
        assertThat(widen(ActivationCache.toBfloat16(1 + ulp / 2 + 1e-6f))).as("above the tie").isEqualTo(1 + ulp);
        assertThat(widen(ActivationCache.toBfloat16(1 + ulp / 2 - 1e-6f))).as("below the tie").isEqualTo(1.0f);
    }

    @Test
    void nanStaysNanAndOverflowGoesToInfinity() {
        assertThat(widen(ActivationCache.toBfloat16(Float.NaN))).isNaN();
        assertThat(widen(ActivationCache.toBfloat16(Float.MAX_VALUE))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(widen(ActivationCache.toBfloat16(Float.POSITIVE_INFINITY))).isEqualTo(Float.POSITIVE_INFINITY);
    }
}
