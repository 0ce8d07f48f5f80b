package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Infuse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study run's time limit (--stop-after): no step starts once it has passed, nor one whose estimate would not fit. */
class StudyTimeLimitTest {

    /** A complete cell that took {@code seconds}, as a run leaves it. */
    private static void done(Study study, Cell c, double seconds) throws Exception {
        Files.createDirectories(c.folder());
        Files.writeString(c.folder().resolve("metrics.json"), "{\"primary_metric\": \"f1\", \"metrics\": {\"f1\": 0.5}, "
                + "\"best_epoch\": 1, \"seconds\": " + seconds + ", \"epochs\": [{\"epoch\": 1, \"seconds\": 1}]}");
        Files.writeString(c.folder().resolve(StepFolders.RECIPE), Recipes.recipe(study, c));
    }

    private static Cell cell(Path out, String method, String task, long seed) {
        return new Cell(Cell.Stage.EVALUATION, method, task, seed, StudyGrid.cellFolder(out, method, task, seed));
    }

    @Test
    void aStepStartsOnlyWhenItsEstimateFitsInTheTimeLeft(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Study study = StudyFile.read(Files.writeString(tmp.resolve("slice.yaml"), StudySliceTest.STUDY), null);
        Path out = tmp.resolve("out");
        done(study, cell(out, "baseline", "fewrel", 1), 100);
        Cell second = cell(out, "baseline", "fewrel", 2); // estimated from the first: 100 s
        Cell inLayer = cell(out, "lora", "fewrel", 1); // none of its method done, nor of its task's in-layer cells: no estimate
        Cell unknown = cell(out, "lora", "fewrel-2", 1); // nothing of its method or task done: no estimate

        TimeLimit minute = new TimeLimit(study, out, Duration.ofSeconds(60), System.nanoTime());
        assertThat(minute.allows(second)).isFalse();
        assertThat(minute.allows(inLayer)).as("not estimated from the head-only cells of its task").isTrue();
        assertThat(minute.allows(unknown)).as("no estimate: starts while time is left").isTrue();
        assertThat(minute.expired()).isFalse();
        TimeLimit hour = new TimeLimit(study, out, Duration.ofHours(1), System.nanoTime());
        assertThat(hour.allows(second)).isTrue();

        // An in-layer cell done in 50 min: the next one is estimated from it, while a plug-and-play cell that only evaluates
        // its frozen model (lora.frozen) borrows from no training cell of its task — it starts in a minute.
        done(study, inLayer, 3000);
        Cell nextInLayer = cell(out, "lora", "fewrel", 2);
        Cell evaluating = cell(out, "lora.frozen", "fewrel", 1);
        TimeLimit later = new TimeLimit(study, out, Duration.ofSeconds(60), System.nanoTime());
        assertThat(later.allows(nextInLayer)).isFalse();
        assertThat(later.allows(evaluating)).as("an evaluation is not estimated from training cells").isTrue();
        assertThat(new TimeLimit(study, out, Duration.ofMinutes(40), System.nanoTime()).allows(nextInLayer)).isFalse();
        assertThat(new TimeLimit(study, out, Duration.ofHours(1), System.nanoTime()).allows(nextInLayer)).isTrue();
        TimeLimit passed = new TimeLimit(study, out, Duration.ofSeconds(60), System.nanoTime() - Duration.ofSeconds(61).toNanos());
        assertThat(passed.expired()).isTrue();
        assertThat(passed.allows(unknown)).isFalse();
        assertThat(TimeLimit.NONE.allows(second)).isTrue();
        assertThat(TimeLimit.NONE.expired()).isFalse();

        assertThat(minute.notStarted(second).status()).isEqualTo(CellOutcome.Status.NOT_STARTED);
        assertThat(minute.notStartedSteps()).containsExactly("baseline/fewrel/seed-2");
    }

    @Test
    void aPassedLimitStartsNothingAndTheReportSaysSoThenAGenerousOneRunsAsUsual(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Study study = StudyFile.read(Files.writeString(tmp.resolve("slice.yaml"), StudySliceTest.STUDY), null);
        Path out = tmp.resolve("out");
        StudyResults none;
        try (Infuse infuse = StudyRuns.infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            none = StudyRunner.run(infuse, study, out, executor,
                    StudyRunner.Options.all().tasks(Set.of("fewrel")).stopAfter(Duration.ofNanos(1)));
        }
        assertThat(none.cells()).isEmpty();
        assertThat(none.notStarted()).containsExactly("baseline/fewrel/seed-1", "lora/fewrel/seed-1", "baseline/fewrel/seed-2",
                "lora/fewrel/seed-2", "lora.frozen/fewrel/seed-1", "lora.frozen/fewrel/seed-2");
        assertThat(none.notStartedCells()).isEqualTo(6);
        assertThat(none.withNotStarted(java.util.List.of("pretraining factual on trex-rc", "knowledge graph full",
                "lora/fewrel-2/seed-1")).notStartedCells()).as("cells only, by the grid's labels").isEqualTo(1);
        assertThat(out.resolve("cells")).doesNotExist();
        assertThat(out.resolve("results.md")).content().contains("**Incomplete:**").contains("6 steps were not started");
        assertThat(out.resolve("report.html")).content().contains("6 steps not started");

        StudyResults all;
        try (Infuse infuse = StudyRuns.infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            all = StudyRunner.run(infuse, study, out, executor,
                    StudyRunner.Options.all().tasks(Set.of("fewrel")).stopAfter(Duration.ofHours(1)));
        }
        assertThat(all.notStarted()).isEmpty();
        assertThat(all.cells()).hasSize(6).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.COMPLETED));
        assertThat(out.resolve("results.md")).content().doesNotContain("Incomplete");
    }
}
