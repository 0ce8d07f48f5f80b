package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slice of a study's grid (--methods): only those methods' cells run, with the downstream models they reuse. */
class StudySliceTest {

    static final String STUDY = """
            name: slice
            backbone: {name: bert-random}
            data: data
            seeds: [1, 2]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            tasks: [fewrel, {name: fewrel, as: fewrel-2, options: {per_relation: 2}}]
            methods:
              - name: lora
                downstream:
                  layer_plugins:
                    - {name: lora, config: {r: 2, sites: [query]}}
              - name: lora.frozen
                downstream: {from: lora}
            """;

    static StudyResults run(Path tmp, Study study, Path out, Set<String> methods) {
        return run(tmp, study, out, methods, Set.of());
    }

    static StudyResults run(Path tmp, Study study, Path out, Set<String> methods, Set<String> tasks) {
        try (Infuse infuse = StudyRuns.infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            return StudyRunner.run(infuse, study, out, executor, methods, tasks);
        }
    }

    @Test
    void cellsRunSeedBySeedEveryMethodOfASeedBeforeTheNext(@TempDir Path tmp) throws Exception {
        // A run stopped part-way must hold paired cells (same task and seed for every method), not all seeds of one method.
        Files.createDirectories(tmp.resolve("data"));
        Study study = StudyFile.read(Files.writeString(tmp.resolve("slice.yaml"), STUDY), null);
        List<List<Cell>> waves = StudyGrid.waves(study, StudyGrid.cells(study, tmp.resolve("out")));
        assertThat(waves).hasSize(2);
        assertThat(waves.get(0)).extracting(c -> c.task() + "/" + c.seed() + "/" + c.method()).containsExactly(
                "fewrel/1/baseline", "fewrel/1/lora", "fewrel/2/baseline", "fewrel/2/lora",
                "fewrel-2/1/baseline", "fewrel-2/1/lora", "fewrel-2/2/baseline", "fewrel-2/2/lora");
        assertThat(waves.get(1)).extracting(c -> c.task() + "/" + c.seed() + "/" + c.method()).containsExactly(
                "fewrel/1/lora.frozen", "fewrel/2/lora.frozen", "fewrel-2/1/lora.frozen", "fewrel-2/2/lora.frozen");
    }

    @Test
    void runsOnlyTheNamedMethodsAndTheModelsTheyReuseThenTheRest(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Study study = StudyFile.read(Files.writeString(tmp.resolve("slice.yaml"), STUDY), null);
        Path out = tmp.resolve("out");

        StudyResults slice = run(tmp, study, out, Set.of("lora.frozen"), Set.of("fewrel"));
        assertThat(slice.cells()).extracting(c -> c.method() + "/" + c.seed())
                .containsExactly("lora/1", "lora/2", "lora.frozen/1", "lora.frozen/2"); // baseline left for later
        slice.cells().forEach(c -> assertThat(c.status()).as(c.method() + ": " + c.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        assertThat(out.resolve("cells/baseline")).doesNotExist();
        assertThat(out.resolve("results.md")).isRegularFile();
        assertThat(out.resolve("cells/lora/fewrel-2")).doesNotExist();
        assertThat(StudyStatus.counts(StudyStatus.of(study, out)))
                .containsEntry(StudyStatus.State.DONE, 4).containsEntry(StudyStatus.State.TO_RUN, 8);
        assertThat(StudyRunner.cellCount(study)).isEqualTo(12);

        StudyResults rest = run(tmp, study, out, Set.of());
        assertThat(rest.cells()).hasSize(12);
        assertThat(rest.cells().stream().filter(c -> c.method().equals("baseline") || c.task().equals("fewrel-2")))
                .hasSize(8).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.COMPLETED));
        assertThat(rest.cells().stream().filter(c -> !c.method().equals("baseline") && c.task().equals("fewrel")))
                .hasSize(4).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.REUSED));
        assertThatThrownBy(() -> run(tmp, study, out, Set.of(), Set.of("fewrel-3")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-unknown-task"))
                .hasMessageContaining("'fewrel-3'").hasMessageContaining("fewrel, fewrel-2");

        assertThatThrownBy(() -> run(tmp, study, out, Set.of("lora.frozn")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-unknown-method"))
                .hasMessageContaining("'lora.frozn'").hasMessageContaining("baseline, lora, lora.frozen");
    }
}
