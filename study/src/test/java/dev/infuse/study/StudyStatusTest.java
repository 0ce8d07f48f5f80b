package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.study.StudyStatus.State;
import dev.infuse.study.StudyStatus.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StudyStatus} reads how far a study has got from its output folder alone: folders written here as a run
 * leaves them (a complete cell, a checkpoint after an epoch, a cell of another configuration), nothing run.
 */
class StudyStatusTest {
    @TempDir
    Path tmp;

    @Test
    void anEmptyFolderHasEveryStepToRunInRunOrder() throws Exception {
        Study study = StudyRuns.read(tmp, "per-seed.yaml", StudyPerSeedPretrainingTest.STUDY);
        List<Step> steps = StudyStatus.of(study, tmp.resolve("nothing-yet"));

        // Per-seed pretraining: seed by seed, that seed's pretrainings, then its cells (the order a run takes).
        assertThat(steps).extracting(Step::label).containsExactly(
                "pretraining factual/factual/seed-1 on trex-rc", "pretraining factual-twin/factual/seed-1 on trex-rc",
                "baseline/semeval/seed-1", "factual/semeval/seed-1", "factual-twin/semeval/seed-1", "factual-control/semeval/seed-1",
                "pretraining factual/factual/seed-2 on trex-rc", "pretraining factual-twin/factual/seed-2 on trex-rc",
                "baseline/semeval/seed-2", "factual/semeval/seed-2", "factual-twin/semeval/seed-2", "factual-control/semeval/seed-2");
        assertThat(steps).allSatisfy(s -> assertThat(s.state()).isEqualTo(State.TO_RUN));
        assertThat(StudyStatus.timeLeft(steps)).as("nothing to estimate from").isEqualTo(new StudyStatus.TimeLeft(0, 12));
        assertThat(StudyStatus.summary(steps)).isEqualTo("12 steps: 12 to run; 12 steps with nothing of their kind done to estimate from");
        assertThat(StudyStatus.counts(steps)).containsEntry(State.TO_RUN, 12).containsEntry(State.DONE, 0).hasSize(State.values().length);
    }

    @Test
    void completeResumableStaleAndUnneededStepsAreToldApartAndTheTimeLeftEstimated() throws Exception {
        Study study = StudyRuns.read(tmp, "per-seed.yaml", StudyPerSeedPretrainingTest.STUDY.replace("epochs: 1,", "epochs: 3,"));
        Path out = tmp.resolve("out");
        done(study, out, "baseline", 1, 0.4567, 3, 100);
        done(study, out, "factual-twin", 2, 0.5, 1, 50);
        Cell stale = cell(out, "factual-twin", 1);
        Files.createDirectories(stale.folder());
        Files.writeString(stale.folder().resolve("metrics.json"), "{\"primary_metric\": \"f1\", \"metrics\": {\"f1\": 0.1}}");
        Files.writeString(stale.folder().resolve(StepFolders.RECIPE), "a recipe of an earlier version of the study file\n");
        checkpoint(Recipes.recipe(study, cell(out, "factual", 2)), cell(out, "factual", 2).folder(), 1, 0.25, 30);
        checkpoint("another configuration\n", cell(out, "factual-control", 2).folder(), 1, 0.25, 30);
        Files.createDirectories(cell(out, "baseline", 2).folder()); // a folder without metrics.json: a run cut short
        Study.Pretraining p = study.pretrainings().get(0);
        Path pretraining = StudyGrid.pretrainingFolder(out, p);
        checkpoint(Recipes.recipe(study, new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), pretraining)), pretraining, 1, 0.6, 20);
        Study.Pretraining twin2 = study.pretrainings().stream().filter(x -> x.id().equals("factual-twin/factual/seed-2")).findFirst().orElseThrow();
        Path unneeded = StudyGrid.pretrainingFolder(out, twin2); // complete for another configuration, but its cell is done
        Files.createDirectories(unneeded);
        Files.writeString(unneeded.resolve("metrics.json"), "{}");
        Files.writeString(unneeded.resolve(StepFolders.RECIPE), "an earlier configuration\n");

        List<Step> list = StudyStatus.of(study, out);
        Map<String, Step> steps = list.stream().collect(Collectors.toMap(Step::label, s -> s));

        assertThat(steps.get("baseline/semeval/seed-1"))
                .isEqualTo(new Step("baseline/semeval/seed-1", State.DONE, "f1 45.67 (best epoch 3)", 0));
        assertThat(steps.get("factual-twin/semeval/seed-1").state()).isEqualTo(State.STALE);
        assertThat(steps.get("factual/semeval/seed-2")).as("two thirds of the 50 s its twin's done cell took").isEqualTo(
                new Step("factual/semeval/seed-2", State.RESUMABLE, "after epoch 1 of 3 (best so far 25.00, epoch 1)", 50 * (2 / 3.0)));
        assertThat(steps.get("factual-control/semeval/seed-2").state()).as("a checkpoint of another recipe is deleted, not resumed")
                .isEqualTo(State.TO_RUN);
        assertThat(steps.get("baseline/semeval/seed-2").state()).isEqualTo(State.TO_RUN);
        assertThat(steps.get("pretraining factual/factual/seed-1 on trex-rc").state()).isEqualTo(State.RESUMABLE);
        // Seed 2's twin pretraining: its only cell is done, so a rerun does not pretrain it (stale or not); the method's is
        // still needed.
        assertThat(steps.get("pretraining factual-twin/factual/seed-2 on trex-rc").state()).isEqualTo(State.NOT_NEEDED);
        assertThat(steps.get("pretraining factual/factual/seed-2 on trex-rc").state()).isEqualTo(State.TO_RUN);

        // Time left: a step to run takes as long as the done ones of its method (or of the method it is the twin of) and
        // task (seconds, or the epochs' sum when larger), a resumable one that times the share of epochs left, or with
        // nothing of its kind done its own mean epoch time for each epoch left; a cell with none of its method done, the mean
        // of its task's done cells (100 s and 50 s); else no estimate.
        assertThat(steps.get("baseline/semeval/seed-2").secondsLeft()).isEqualTo(100);
        assertThat(steps.get("factual-twin/semeval/seed-1").secondsLeft()).as("stale: runs again").isEqualTo(50);
        assertThat(steps.get("factual/semeval/seed-1").secondsLeft()).as("a twin trains as its method").isEqualTo(50);
        assertThat(steps.get("pretraining factual/factual/seed-1 on trex-rc").secondsLeft()).as("its own two epochs left").isEqualTo(40);
        assertThat(steps.get("factual-control/semeval/seed-2").secondsLeft()).as("its task's done cells").isEqualTo(75);
        assertThat(steps.get("factual-control/semeval/seed-1").secondsLeft()).as("its task's done cells").isEqualTo(75);
        assertThat(steps.get("pretraining factual-twin/factual/seed-1 on trex-rc").secondsLeft()).as("no task to fall back on").isNaN();
        assertThat(steps.get("pretraining factual/factual/seed-2 on trex-rc").secondsLeft()).isNaN();
        assertThat(steps.get("pretraining factual-twin/factual/seed-2 on trex-rc").secondsLeft()).isZero();
        assertThat(StudyStatus.timeLeft(list)).isEqualTo(new StudyStatus.TimeLeft(40 + 50 + 50 + 100 + 50 * (2 / 3.0) + 2 * 75, 2));
        assertThat(StudyStatus.summary(list)).isEqualTo("12 steps: 2 done, 2 resumable, 1 stale, 1 not needed, 6 to run; ~7 min left "
                + "(estimated from the done steps of the same method and task, or task and kind of work, or a resumable step's own epochs), 2 steps with nothing "
                + "of their kind done to estimate from");
        assertThat(steps.get("factual/semeval/seed-2").left()).isEqualTo("~33 s left");
        assertThat(steps.get("baseline/semeval/seed-1").left()).isEmpty();
    }

    @Test
    void aSliceListsItsCellsAndThePretrainingStepsTheyNeedWithTheWholeStudysEstimates() throws Exception {
        Study study = StudyRuns.read(tmp, "per-seed.yaml", StudyPerSeedPretrainingTest.STUDY);
        Path out = tmp.resolve("out");
        done(study, out, "baseline", 1, 0.5, 1, 100);

        List<Step> twin = StudyStatus.of(study, out, StudyRunner.Options.all().methods(java.util.Set.of("factual-twin")));
        assertThat(twin).extracting(Step::label).containsExactly(
                "pretraining factual-twin/factual/seed-1 on trex-rc", "factual-twin/semeval/seed-1",
                "pretraining factual-twin/factual/seed-2 on trex-rc", "factual-twin/semeval/seed-2");
        assertThat(twin.get(1).secondsLeft()).as("estimated from the baseline's cell, outside the slice").isEqualTo(100);
        assertThat(StudyStatus.of(study, out, StudyRunner.Options.all().methods(java.util.Set.of("baseline"))))
                .extracting(Step::label).containsExactly("baseline/semeval/seed-1", "baseline/semeval/seed-2");
        assertThat(StudyStatus.of(study, out, StudyRunner.Options.all())).isEqualTo(StudyStatus.of(study, out));
        assertThatThrownBy(() -> StudyStatus.of(study, out, StudyRunner.Options.all().tasks(java.util.Set.of("semevl"))))
                .hasMessageContaining("semevl");
    }

    private static Cell cell(Path out, String method, long seed) {
        return new Cell(Cell.Stage.EVALUATION, method, "semeval", seed, StudyGrid.cellFolder(out, method, "semeval", seed));
    }

    /** A complete cell: two epochs of 40 s each, and {@code seconds} for the whole run. */
    private static void done(Study study, Path out, String method, long seed, double score, int bestEpoch, double seconds) throws Exception {
        Cell c = cell(out, method, seed);
        Files.createDirectories(c.folder());
        Files.writeString(c.folder().resolve("metrics.json"), "{\"primary_metric\": \"f1\", \"metrics\": {\"f1\": " + score
                + "}, \"best_epoch\": " + bestEpoch + ", \"seconds\": " + seconds
                + ", \"epochs\": [{\"epoch\": 1, \"seconds\": 20}, {\"epoch\": 2, \"seconds\": 20}]}");
        Files.writeString(c.folder().resolve(StepFolders.RECIPE), Recipes.recipe(study, c));
    }

    private static void checkpoint(String recipe, Path folder, int epoch, double best, double secondsPerEpoch) throws Exception {
        Path checkpoint = StepFolders.checkpointFolder(folder);
        Files.createDirectories(checkpoint.resolve("training"));
        Files.writeString(checkpoint.resolve(StepFolders.RECIPE), recipe);
        StringBuilder history = new StringBuilder();
        for (int e = 1; e <= epoch; e++) {
            history.append(e > 1 ? ", " : "").append("{\"epoch\": ").append(e).append(", \"seconds\": ").append(secondsPerEpoch).append('}');
        }
        Files.writeString(checkpoint.resolve("training").resolve("checkpoint.json"), "{\"epoch\": " + epoch + ", \"best_score\": " + best
                + ", \"best_epoch\": " + epoch + ", \"finished\": false, \"history\": [" + history + "]}");
    }
}
