package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RunEnvironmentTest {
    @Test
    void recordsProcessorThreadsPrecisionBatchAndVersions() {
        RunEnvironment e = RunEnvironment.collect(null, 32);
        assertThat(e.precision()).isEqualTo("fp32");
        assertThat(e.batchSize()).isEqualTo(32);
        assertThat(e.availableProcessors()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(e.cpuModel()).isNotBlank();
        assertThat(e.cpuFlags()).isSorted();
        // The build pins TensorFlow Java 1.1.0; the version comes from the jar, not from a constant.
        assertThat(e.tensorflowJava()).isEqualTo("1.1.0");
        assertThat(e.tensorflowNative()).matches("\\d+\\.\\d+.*");
        assertThat(e.jvm()).startsWith(System.getProperty("java.version"));
        assertThat(e.threads().keySet()).allMatch(RunEnvironment.THREAD_VARIABLES::contains);
        assertThat(RunEnvironment.collect("bf16", 8).precision()).isEqualTo("bf16");
        Map<String, Object> m = e.toMap();
        assertThat(m).containsKeys("cpu_model", "cpu_flags", "available_processors", "threads", "precision", "batch_size",
                "tensorflow_java", "tensorflow_native", "jvm", "os");
        assertThat(e.summary()).contains(e.cpuModel(), "fp32", "batch 32", "TF Java 1.1.0");
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/cpuinfo")) && System.getProperty("os.arch").contains("64")
                && !System.getProperty("os.arch").contains("aarch")) {
            assertThat(e.cpuFlags()).contains("sse2");
        }
    }
}
