package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Infuse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The caches a cluster backend fills ahead of the cells are exactly the ones the cells read: the fills featurise
 * with the cells' task options, markers, data seed and training subset, so no cell has to fill a cache again.
 */
class CacheFillTest {
    @TempDir
    Path tmp;

    @Test
    void cellsFindTheCachesFilledAheadForTaskOptionsMarkersDataSeedAndSubsets() throws Exception {
        StudyRunnerTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("fills.yaml"), """
                name: fills
                backbone: {name: bert-random}
                data: data
                seeds: [1, 2]
                data_seed: 7
                budgets:
                  default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
                  semeval: {max_train: 20}
                tasks:
                  - {name: fewrel, options: {per_relation: 4}, markers: authors}
                  - semeval
                """);
        Study study = StudyFile.read(file, null);
        Path out = tmp.resolve("out");
        Path cache = tmp.resolve("cache");
        Set<String> filled = new TreeSet<>();
        try (Infuse infuse = Infuse.builder().pluginsDirectory(null).cacheDirectory(cache).build()) {
            StudyJob job = StudyJob.of(infuse, study, out);
            List<CacheFill> fills = StudyRunner.cacheFills(job, StudyGrid.cells(study, out));
            assertThat(fills).as("one data set per task: the data seed makes the seeds share it").hasSize(2);
            assertThat(fills.get(0).options()).containsEntry("per_relation", 4).containsEntry("markers", "authors");
            assertThat(fills).allSatisfy(f -> assertThat(f.seed()).isEqualTo(7));
            assertThat(fills.get(1).maxTrain()).isEqualTo(20);
            for (CacheFill f : fills) {
                filled.addAll(StudyRunner.fillActivationCache(job, f));
            }
        } finally {
            StudyRunner.closeWorkers();
        }
        // The toy files repeat their sentences, so each task's development texts are among its training texts
        // and are served from the training cache: one folder per task.
        assertThat(filled).hasSize(2);

        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(null).cacheDirectory(cache).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(r.cells()).hasSize(4).allSatisfy(c -> assertThat(c.status()).as(c.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        Set<String> after;
        try (var s = Files.list(cache.resolve("activations"))) {
            after = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(after).as("the cells filled no cache of their own").isEqualTo(filled);
    }
}
