package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task runner end to end on the real data files (when the shared data folder is present): the
 * TACRED 20-example sample and the SemEval file, on the tiny backbone so it stays fast.
 */
class RealSamplesIT {
    @TempDir
    Path tmp;

    static Path data() {
        for (String candidate : new String[] {System.getProperty("infuse.data.dir", ""), System.getenv().getOrDefault("INFUSE_DATA_DIR", ""),
            "../shared/data", "../../shared/data"}) {
            if (!candidate.isEmpty() && Files.isDirectory(Path.of(candidate, "tacred"))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    @Test
    void tacredSampleRunsWithItsOfficialMetric() {
        Path data = data();
        dev.infuse.testkit.CiAssumptions.assumeOrFailInCi(data != null, "shared data folder with tacred/ not present (-Dinfuse.data.dir, INFUSE_DATA_DIR or ../shared/data)");
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("p")).cacheDirectory(tmp.resolve("c")).build();
                Backbone b = TinyBackbones.create()) {
            var r = TaskRunner.run(infuse, b, RunSpec.builder("tacred").data(data).adapters(List.of()).fusion("concat").training(new TrainingConfig(2, 8, 0, 1e-3, 0.1, 1.0, 0, 1)).maxLength(64).cache(true).headDropout(0f).out(tmp.resolve("tacred")).build());
            assertThat(r.metrics()).containsKeys("f1", "precision", "recall", "accuracy");
            assertThat(r.metrics().get("f1")).isBetween(0.0, 1.0);
            assertThat(tmp.resolve("tacred/predictions.jsonl")).isRegularFile();
            assertThat(tmp.resolve("tacred/metrics.json")).isRegularFile();
        }
    }
}
