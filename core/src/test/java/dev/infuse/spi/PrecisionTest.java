package dev.infuse.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrecisionTest {
    private static final String EPYC = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC
            flags\t\t: fpu vme avx2 avx512f avx512_bf16 avx512_vnni
            
            processor\t: 1
            flags\t\t: fpu vme avx2 avx512f avx512_bf16 avx512_vnni
            """;
    private static final String SAPPHIRE_RAPIDS = "processor\t: 0\nflags\t\t: fpu avx512f amx_tile amx_bf16 amx_int8\n";
    private static final String OLD_XEON = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni avx512bw\n";

    private static Precision.Machine cpu(String cpuinfo) {
        return new Precision.Machine(Precision.Machine.cpuFlags(() -> cpuinfo), false);
    }

    @Test
    void autoPicksBf16OnlyWhereTheCpuHasBf16UnitsOrAGpuRuns() {
        assertThat(Precision.resolve("auto", "k", cpu(EPYC))).isEqualTo(Precision.BF16);
        assertThat(Precision.resolve("auto", "k", cpu(SAPPHIRE_RAPIDS))).isEqualTo(Precision.BF16);
        assertThat(Precision.resolve("auto", "k", cpu(OLD_XEON))).isEqualTo(Precision.FP32);
        assertThat(Precision.resolve("auto", "k", cpu(""))).isEqualTo(Precision.FP32);
        assertThat(Precision.resolve(null, "k", cpu(OLD_XEON))).isEqualTo(Precision.FP32);
        assertThat(Precision.resolve("auto", "k", new Precision.Machine(Precision.Machine.cpuFlags(() -> OLD_XEON), true)))
                .isEqualTo(Precision.BF16);
    }

    @Test
    void explicitSettingsWinOverTheMachine() {
        assertThat(Precision.resolve("fp32", "k", cpu(EPYC))).isEqualTo(Precision.FP32);
        assertThat(Precision.resolve(" BF16 ", "k", cpu(OLD_XEON))).isEqualTo(Precision.BF16);
    }

    @Test
    void readsOnlyTheFlagsLineAndNamesTheBf16Units() {
        assertThat(cpu(EPYC).bf16Flags()).isEqualTo("avx512_bf16");
        assertThat(cpu(SAPPHIRE_RAPIDS).bf16Flags()).isEqualTo("amx_bf16");
        assertThat(cpu(OLD_XEON).bf16Flags()).isEqualTo("none");
        // a model name that mentions bf16 is not a flag
        assertThat(cpu("model name\t: avx512_bf16 lookalike\nflags\t: fpu\n").cpuHasBf16()).isFalse();
    }

    @Test
    void anUnknownValueIsConfigBadValueNamingTheAcceptedOnes() {
        assertThatThrownBy(() -> Precision.resolve("fp16", "backbone 'bert': key 'precision'", cpu(EPYC)))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("backbone 'bert': key 'precision' has value 'fp16'")
                .hasMessageContaining("fp32, bf16 or auto")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-bad-value");
    }
}
