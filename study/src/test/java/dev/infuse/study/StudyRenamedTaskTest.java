package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Infuse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One task listed twice under new names ({@code as:}) runs as two tasks of the grid, each with its own options. */
class StudyRenamedTaskTest {
    @TempDir
    Path tmp;

    @Test
    void eachRenamedEntryRunsTheTaskWithItsOwnOptionsInItsOwnFolder() throws Exception {
        StudyRunnerTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("few.yaml"), """
                name: few
                backbone: {name: bert-random}
                data: data
                seeds: [1]
                data_seed: 5
                budgets:
                  default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
                tasks:
                  - {name: fewrel, as: fewrel-2, options: {per_relation: 2}}
                  - {name: fewrel, as: fewrel-6, options: {per_relation: 6}}
                """);
        Study study = StudyFile.read(file, null);
        Path out = tmp.resolve("out");
        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(r.cells()).extracting(StudyResults.CellResult::task).containsExactlyInAnyOrder("fewrel-2", "fewrel-6");
        assertThat(r.cells()).allSatisfy(c -> assertThat(c.status()).as(c.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        ObjectMapper json = new ObjectMapper();
        JsonNode two = json.readTree(out.resolve("cells/baseline/fewrel-2/seed-1/metrics.json").toFile());
        JsonNode six = json.readTree(out.resolve("cells/baseline/fewrel-6/seed-1/metrics.json").toFile());
        assertThat(two.get("task").asText()).isEqualTo("fewrel");
        assertThat(two.at("/task_options/per_relation").asInt()).isEqualTo(2);
        assertThat(six.at("/task_options/per_relation").asInt()).isEqualTo(6);
        assertThat(Files.readString(out.resolve("results.md"))).contains("fewrel-2").contains("fewrel-6");
    }
}
