package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study's results exported without weights and imported elsewhere (StudyArchive), on the tiny random BERT with
 * {@link StudyDownstreamTest#STUDY}: a knowledge graph, a pretraining and a downstream model reused by plug-and-play
 * cells — every kind of step whose weights a later step needs.
 */
class StudyArchiveTest {

    static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    static Map<String, StudyResults.CellResult> byMethod(StudyResults r) {
        return r.cells().stream().collect(Collectors.toMap(StudyResults.CellResult::method, Function.identity()));
    }

    @Test
    void exportLeavesOutWeightsAndDataAndAnImportedStudyGoesOnWhereItStopped(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("downstream.yaml"), StudyDownstreamTest.STUDY);
        Study study = StudyFile.read(file, null);
        Path out = tmp.resolve("out");
        StudyResults first = StudyDownstreamTest.run(tmp, file, out);
        first.cells().forEach(c -> assertThat(c.status()).as(c.method() + ": " + c.error()).isEqualTo(CellOutcome.Status.COMPLETED));

        Path archive = tmp.resolve("archive");
        Files.createDirectories(archive);
        Files.writeString(archive.resolve("from-an-earlier-export.txt"), "replaced");
        StudyArchive.Exported e = StudyArchive.export(study, out, archive);
        List<String> kept = files(archive);
        // 1 knowledge graph, 1 pretraining, 5 cells; the tables beside them; the earlier export replaced.
        assertThat(e.steps()).isEqualTo(7);
        assertThat(e.stale()).isZero();
        assertThat(kept).contains("results.md", "results.json", "cells.csv", "comparisons.csv",
                "cells/lora/fewrel/seed-1/metrics.json", "cells/lora/fewrel/seed-1/recipe.txt",
                "cells/lora/fewrel/seed-1/outcomes.json", "cells/lora/fewrel/seed-1/environment.json",
                "cells/lora/fewrel/seed-1/" + StudyArchive.MARKER)
                .doesNotContain("from-an-earlier-export.txt", "report.html");
        assertThat(kept).noneMatch(f -> f.endsWith(".safetensors")).noneMatch(f -> f.contains("predictions"))
                .noneMatch(f -> f.contains(".checkpoint") || f.contains(StepFolders.TMP) || f.contains(".study.lock"));
        // The saved downstream model keeps its manifest (the digest that plug-and-play cells' recipes name), not its weights.
        assertThat(kept).anyMatch(f -> f.startsWith("cells/lora/fewrel/seed-1/head/") && f.endsWith(".json"));
        // A knowledge graph keeps only its metrics: its files are data.
        assertThat(kept.stream().filter(f -> f.startsWith("knowledge/tiny/")))
                .containsExactlyInAnyOrder("knowledge/tiny/metrics.json", "knowledge/tiny/recipe.txt", "knowledge/tiny/" + StudyArchive.MARKER);
        JsonNode marker = Io.JSON.readTree(archive.resolve("cells/lora/fewrel/seed-1/" + StudyArchive.MARKER).toFile());
        assertThat(marker.path("left_out").toString()).contains(".safetensors").contains("predictions");
        assertThat(e.leftOut()).contains("knowledge/tiny/" + KnowledgeGraphs.EMBEDDINGS);
        // Exporting again changes no file of an unchanged step: a committed archive shows only what a run changed.
        Path markerFile = archive.resolve("cells/lora/fewrel/seed-1/" + StudyArchive.MARKER);
        byte[] firstMarker = Files.readAllBytes(markerFile);
        Thread.sleep(20); // the clock moves on
        StudyArchive.export(study, out, archive);
        assertThat(Files.readAllBytes(markerFile)).isEqualTo(firstMarker);

        // Imported on "another machine": every step is done; a run reuses all of them and trains nothing again.
        Path elsewhere = tmp.resolve("elsewhere");
        StudyArchive.Restored r = StudyArchive.restore(study, archive, elsewhere);
        assertThat(r.copied()).isEqualTo(7);
        assertThat(StudyStatus.counts(StudyStatus.of(study, elsewhere)))
                .containsEntry(StudyStatus.State.DONE, 7).containsEntry(StudyStatus.State.TO_RUN, 0);
        StudyResults again = StudyDownstreamTest.run(tmp, file, elsewhere);
        again.cells().forEach(c -> assertThat(c.status()).as(c.method()).isEqualTo(CellOutcome.Status.REUSED));
        assertThat(byMethod(again).get("lora.mapper").metrics()).isEqualTo(byMethod(first).get("lora.mapper").metrics());
        assertThat(files(elsewhere)).noneMatch(f -> f.endsWith(".safetensors"));
        // A second import keeps what is there.
        assertThat(StudyArchive.restore(study, archive, elsewhere)).isEqualTo(new StudyArchive.Restored(0, 7, 0));
        // Exported from there, an imported step keeps the time it was first exported.
        StudyArchive.export(study, elsewhere, tmp.resolve("archive-2"));
        assertThat(Files.readAllBytes(tmp.resolve("archive-2/cells/lora/fewrel/seed-1/" + StudyArchive.MARKER))).isEqualTo(firstMarker);

        // One plug-and-play cell lost: the downstream model it reuses and the knowledge graph its mapper reads have no
        // weights here, so both run again first (status says so), then the cell.
        Io.deleteTree(elsewhere.resolve("cells/lora.mapper/fewrel/seed-1"));
        Map<String, StudyStatus.Step> status = StudyStatus.of(study, elsewhere).stream()
                .collect(Collectors.toMap(StudyStatus.Step::label, Function.identity()));
        assertThat(status.get("knowledge graph tiny").state()).isEqualTo(StudyStatus.State.TO_RUN);
        assertThat(status.get("knowledge graph tiny").detail()).contains("imported without its weights");
        assertThat(status.get("lora/fewrel/seed-1").state()).isEqualTo(StudyStatus.State.TO_RUN);
        assertThat(status.get("lora.frozen/fewrel/seed-1").state()).isEqualTo(StudyStatus.State.DONE);
        StudyResults resumed = StudyDownstreamTest.run(tmp, file, elsewhere);
        Map<String, StudyResults.CellResult> cells = byMethod(resumed);
        assertThat(cells.get("baseline").status()).isEqualTo(CellOutcome.Status.REUSED);
        assertThat(cells.get("lora").status()).isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(cells.get("lora.mapper").status()).isEqualTo(CellOutcome.Status.COMPLETED);
        resumed.cells().forEach(c -> assertThat(c.status()).as(c.method() + ": " + c.error())
                .isIn(CellOutcome.Status.COMPLETED, CellOutcome.Status.REUSED));
        assertThat(elsewhere.resolve("knowledge/tiny/" + KnowledgeGraphs.EMBEDDINGS)).isRegularFile();
        assertThat(elsewhere.resolve("cells/lora/fewrel/seed-1/" + StudyArchive.MARKER)).doesNotExist();
        assertThat(StudyArchive.weightsRemoved(elsewhere.resolve("cells/baseline/fewrel/seed-1"))).isTrue();
    }

    @Test
    void staleStepsAreNeitherExportedNorImportedAndTheArchiveMustLieOutsideTheStudy(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        String yaml = """
                name: small
                backbone: {name: bert-random}
                data: data
                seeds: [1, 2]
                budgets:
                  default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
                tasks: [fewrel]
                """;
        Path file = Files.writeString(tmp.resolve("small.yaml"), yaml);
        Study study = StudyFile.read(file, null);
        Path out = tmp.resolve("out");
        StudyDownstreamTest.run(tmp, file, out);
        Files.writeString(out.resolve("cells/baseline/fewrel/seed-2/" + StepFolders.RECIPE), "another configuration\n");
        StudyArchive.Exported e = StudyArchive.export(study, out, tmp.resolve("archive"));
        assertThat(e.steps()).isEqualTo(1);
        assertThat(e.stale()).isEqualTo(1);
        assertThat(tmp.resolve("archive/cells/baseline/fewrel/seed-2")).doesNotExist();

        // An archive of an edited study: its steps are not copied.
        Files.writeString(tmp.resolve("archive/cells/baseline/fewrel/seed-1/" + StepFolders.RECIPE), "edited\n");
        assertThat(StudyArchive.restore(study, tmp.resolve("archive"), tmp.resolve("elsewhere")))
                .isEqualTo(new StudyArchive.Restored(0, 0, 1));

        assertThatThrownBy(() -> StudyArchive.export(study, out, out.resolve("archive")))
                .isInstanceOfSatisfying(InfuseException.class, x -> assertThat(x.code()).isEqualTo("config-shared-folder"))
                .hasMessageContaining("outside");
        Path busy = tmp.resolve("busy");
        Files.createDirectories(busy);
        try (StudyLock running = StudyLock.acquire(busy)) { // a run writing into the folder: nothing is copied under it
            assertThatThrownBy(() -> StudyArchive.restore(study, tmp.resolve("archive"), busy))
                    .isInstanceOfSatisfying(InfuseException.class, x -> assertThat(x.code()).isEqualTo("config-study-running"));
        }
        assertThatThrownBy(() -> StudyArchive.restore(study, tmp.resolve("nowhere"), out))
                .isInstanceOfSatisfying(InfuseException.class, x -> assertThat(x.code()).isEqualTo("data-missing"))
                .hasMessageContaining("nowhere");
    }

    /**
     * Runs the study with {@code options}, recording the export folder's files and its {@code results.md} after every
     * step the executor runs.
     */
    private static StudyResults runWatching(Path tmp, Study study, Path out, StudyRunner.Options options, Path dest,
            List<List<String>> afterEachStep, List<String> tablesAfterEachStep) {
        try (dev.infuse.api.Infuse infuse = StudyRuns.infuse(tmp); LocalCellExecutor local = new LocalCellExecutor(1)) {
            CellExecutor watching = new CellExecutor() {
                @Override
                public List<CellOutcome> execute(List<Cell> cells, CellWork work) {
                    return local.execute(cells, c -> {
                        CellOutcome o = work.run(c);
                        afterEachStep.add(Files.isDirectory(dest) ? files(dest) : List.of());
                        Path tables = dest.resolve("results.md");
                        tablesAfterEachStep.add(Files.isRegularFile(tables) ? Files.readString(tables) : "");
                        return o;
                    });
                }

                @Override
                public void close() {}
            };
            return StudyRunner.run(infuse, study, out, watching, options);
        }
    }

    /** The baseline's row of the first task's table in a study's {@code results.md}. */
    private static String baselineRow(String resultsMd) {
        return resultsMd.lines().filter(l -> l.startsWith("| baseline |")).findFirst().orElseThrow();
    }

    @Test
    void aRunExportsAfterEveryStepItCompletesAndAtItsEnd(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Study study = StudyFile.read(Files.writeString(tmp.resolve("slice.yaml"), StudySliceTest.STUDY), null);
        Path out = tmp.resolve("out");
        Path dest = tmp.resolve("exported");
        StudyRunner.Options baselineOnFewrel = StudyRunner.Options.all().methods(java.util.Set.of("baseline"))
                .tasks(java.util.Set.of("fewrel"));

        assertThatThrownBy(() -> runWatching(tmp, study, out, baselineOnFewrel.exportEachStep(out.resolve("inside")), dest,
                new java.util.ArrayList<>(), new java.util.ArrayList<>()))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-shared-folder"))
                .hasMessageContaining("must lie outside");
        assertThat(out).doesNotExist(); // refused before anything ran

        List<List<String>> seen = new java.util.ArrayList<>();
        List<String> tables = new java.util.ArrayList<>();
        StudyResults r = runWatching(tmp, study, out, baselineOnFewrel.exportEachStep(dest), dest, seen, tables);
        assertThat(r.cells()).hasSize(2).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.COMPLETED));
        String seed1 = "cells/baseline/fewrel/seed-1/";
        String seed2 = "cells/baseline/fewrel/seed-2/";
        assertThat(seen).hasSize(2);
        // After the first step, before the second started: the first is exported, whole, with interim tables that
        // score it and name the cell still to finish.
        assertThat(seen.get(0)).contains(seed1 + "metrics.json", seed1 + "outcomes.json", seed1 + StudyArchive.MARKER,
                "results.md", "results.json", "cells.csv").noneMatch(f -> f.startsWith(seed2));
        assertThat(tables.get(0)).contains("**Interim:**", "1 cell of the run had not finished: baseline/fewrel/seed-2")
                .doesNotContain("**Incomplete:**");
        assertThat(baselineRow(tables.get(0))).doesNotContain("n/a").endsWith("| 1 |"); // scored, over one seed
        assertThat(seen.get(1)).contains(seed1 + "metrics.json", seed2 + "metrics.json", seed2 + StudyArchive.MARKER);
        assertThat(tables.get(1)).contains("**Interim:**", "every cell of the run had finished");
        assertThat(baselineRow(tables.get(1))).endsWith("| 2 |");
        // At the end: the run's own tables, as a plain --export would write them, no longer interim.
        assertThat(files(dest)).contains("results.md", "results.json", seed2 + "metrics.json");
        assertThat(Files.readString(dest.resolve("results.md"))).isEqualTo(Files.readString(out.resolve("results.md")))
                .doesNotContain("Interim");

        // An export that fails (its folder's parent is a file) is logged; the run goes on and completes its steps.
        Path blocked = Files.writeString(tmp.resolve("a-file"), "x").resolve("exported");
        StudyResults again = runWatching(tmp, study, tmp.resolve("out2"), baselineOnFewrel.exportEachStep(blocked), blocked,
                new java.util.ArrayList<>(), new java.util.ArrayList<>());
        assertThat(again.cells()).hasSize(2).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.COMPLETED));
        assertThat(tmp.resolve("out2/results.md")).exists();
    }
}
