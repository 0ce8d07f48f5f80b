package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.cli.InProcessCli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infuse study}: help, study-file errors as one clean line, a tiny run, its exit codes and a resumed rerun. */
class StudyCommandTest {
    @TempDir
    Path tmp;

    Run run(String... args) {
        return InProcessCli.run(args);
    }

    private void writeSemEval() throws Exception {
        Path dir = tmp.resolve("data/semeval2010_task8/SemEval2010_task8_training");
        Files.createDirectories(dir);
        StringBuilder s = new StringBuilder();
        String[] labels = {"Cause-Effect(e1,e2)", "Component-Whole(e2,e1)", "Other"};
        for (int i = 1; i <= 30; i++) {
            String w = i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "house";
            s.append(i).append("\t\"the <e1>").append(w).append("</e1> is near a <e2>tree</e2> .\"\r\n").append(labels[i % 3])
                    .append("\r\nComment:\r\n\r\n");
        }
        Files.writeString(dir.resolve("TRAIN_FILE.TXT"), s);
    }

    @Test
    void helpDescribesTheCommand() {
        Run r = run("study", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: infuse study", "STUDY.yaml", "--parallel", "--data", "--out", "docs/STUDIES.md");
    }

    @Test
    void builtInStudiesAreShownAndUnknownNamesSuggestTheClosest() {
        Run show = run("study", "quickstart", "--show");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("name: quickstart", "wn-hypernym", "wn-relation", "kg:wordnet", "kilm");
        Run unknown = run("study", "quickstrat");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error[config-unknown-study]: ").contains("did you mean 'quickstart'?")
                .doesNotContain("\tat ");
    }

    @Test
    void studyFileErrorsAreOneLineWithPosition() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("s.yaml"), "data: data\ntasks: [semeval]\nseds: [1]\n");
        Run r = run("study", file.toString(), "--out", tmp.resolve("out").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error[config-unknown-key]: " + file + ":3:1:").contains("did you mean 'seeds'?")
                .doesNotContain("\tat ");

        Path valid = Files.writeString(tmp.resolve("v.yaml"), "data: data\ntasks: [semeval]\n");
        Run noData = run("study", valid.toString(), "--data", tmp.resolve("missing").toString());
        assertThat(noData.exit()).isEqualTo(2);
        assertThat(noData.err()).startsWith("error[data-missing]: ").contains("missing");

        assertThat(run("study", valid.toString(), "--parallel", "0").exit()).isEqualTo(2);
    }

    @Test
    void theSparkBackendWithoutSparkIsOneClearError() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Path valid = Files.writeString(tmp.resolve("v.yaml"), "data: data\ntasks: [semeval]\n");
        Run r = run("study", valid.toString(), "--executor", "spark", "--spark-master", "local[2]", "--shared", tmp.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error[config-executor-unavailable]: no cell executor 'spark'").contains("docs/SPARK.md")
                .doesNotContain("\tat ");
        Run mixed = run("study", valid.toString(), "--shared", tmp.toString());
        assertThat(mixed.exit()).isEqualTo(2);
        assertThat(mixed.err()).startsWith("error[usage]: ").contains("--executor spark");
    }

    @Test
    void runsAStudyReportsFailedCellsAndResumes() throws Exception {
        writeSemEval();
        String common = """
                backbone: bert-random
                data: data
                seeds: [7]
                budgets: {default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32}}
                tasks: [semeval]
                """;
        Path withBroken = Files.writeString(tmp.resolve("broken.yaml"), "name: cli\n" + common + """
                methods:
                  - name: broken
                    adapters: [{adapter: factual, mode: control, config: {adapter_size: 8, taps: [99]}}]
                """);
        Path out = tmp.resolve("out");
        String cache = tmp.resolve("cache").toString();
        Run r = run("study", withBroken.toString(), "--out", out.toString(), "--cache", cache, "--plugins", tmp.resolve("p").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(6);
        assertThat(r.out()).contains("study cli: 1 cells run, 0 reused, 1 failed").contains("failed broken/semeval/seed-7: error[config-bad-tap]")
                .contains("report: " + out.resolve("report.html"));
        // One seed: no "± 0.00" spread; the intervals are in results.md.
        assertThat(r.out()).contains("(1 seed)").doesNotContain("± 0.00").contains("paired comparisons and p-values: "
                + out.resolve("results.md"));
        for (String f : new String[] {"results.json", "results.csv", "cells.csv", "results.md", "report.html",
            "charts/scores-semeval.png", "charts/scores-semeval.svg", "charts/curves-semeval.png", "charts/curves-semeval.svg"}) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }

        Path baselineOnly = Files.writeString(tmp.resolve("base.yaml"), "name: cli\n" + common);
        Run again = run("study", baselineOnly.toString(), "--out", out.toString(), "--cache", cache, "--plugins", tmp.resolve("p").toString());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("0 cells run, 1 reused, 0 failed");

        // Its results, exported without weights, go on in another output folder (as on another machine).
        Path archive = tmp.resolve("archive");
        Run export = run("study", baselineOnly.toString(), "--out", out.toString(), "--export", archive.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        assertThat(export.out()).contains("exported 1 complete step of study cli").contains("into " + archive);
        assertThat(archive.resolve("cells/baseline/semeval/seed-7/outcomes.json")).isRegularFile();
        assertThat(archive.resolve("results.md")).isRegularFile();
        Path elsewhere = tmp.resolve("elsewhere");
        Run status = run("study", baselineOnly.toString(), "--out", elsewhere.toString(), "--import", archive.toString(), "--status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("imported 1 step from " + archive).contains("1 step: 1 done");
        Run resumed = run("study", baselineOnly.toString(), "--out", elsewhere.toString(), "--cache", cache, "--plugins",
                tmp.resolve("p").toString());
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("0 cells run, 1 reused, 0 failed");

        // A time limit: seed 7 is done here and "took" a day, so seed 8 (estimated from it) does not fit in an hour.
        Path twoSeeds = Files.writeString(tmp.resolve("two-seeds.yaml"), "name: cli\n" + common.replace("seeds: [7]", "seeds: [7, 8]"));
        Path metrics = elsewhere.resolve("cells/baseline/semeval/seed-7/metrics.json");
        Files.writeString(metrics, Files.readString(metrics).replaceFirst("\"seconds\" ?: ?[0-9.eE+-]+", "\"seconds\": 86400"));
        Run limited = run("study", twoSeeds.toString(), "--out", elsewhere.toString(), "--stop-after", "1h", "--cache", cache,
                "--plugins", tmp.resolve("p").toString());
        assertThat(limited.exit()).as(limited.err()).isEqualTo(7);
        assertThat(limited.out()).contains("0 cells run, 1 reused, 0 failed")
                .contains("--stop-after 1h came first: 1 step not started (baseline/semeval/seed-8); run the same command again")
                .doesNotContain("outside --methods/--tasks");
        assertThat(elsewhere.resolve("cells/baseline/semeval/seed-8")).doesNotExist();
        Run badLimit = run("study", twoSeeds.toString(), "--out", elsewhere.toString(), "--stop-after", "soon");
        assertThat(badLimit.exit()).isEqualTo(2);
        assertThat(badLimit.err()).startsWith("error[config-bad-value]: --stop-after soon: expected a positive duration")
                .doesNotContain("\tat ");

        // A slice of the grid: the broken method's cell is left for later, and the run says so.
        // It exports as it goes (--export-each-step): the step and, at the end, the tables.
        Path each = tmp.resolve("each");
        Run sliced = run("study", withBroken.toString(), "--out", tmp.resolve("sliced").toString(), "--methods", "baseline",
                "--cache", cache, "--plugins", tmp.resolve("p").toString(), "--export-each-step", each.toString());
        assertThat(sliced.exit()).as(sliced.err()).isZero();
        assertThat(sliced.out()).contains("exported after every step and at the end: " + each);
        assertThat(each.resolve("cells/baseline/semeval/seed-7/outcomes.json")).isRegularFile();
        assertThat(each.resolve("results.md")).hasSameTextualContentAs(tmp.resolve("sliced/results.md"));
        assertThat(sliced.out()).contains("1 cells run, 0 reused, 0 failed").contains("1 cells outside --methods/--tasks left to run")
                .containsPattern("semeval +broken +f1 not run yet");
        // --report on another machine: the export imported, the tables written from it without running anything.
        Path reported = tmp.resolve("reported");
        Run report = run("study", withBroken.toString(), "--out", reported.toString(), "--import", each.toString(), "--report",
                "--cache", cache, "--plugins", tmp.resolve("p").toString());
        assertThat(report.exit()).as(report.err()).isZero();
        assertThat(report.out()).contains("0 cells run, 1 reused, 0 failed").contains("1 of 2 cells complete (--status lists")
                .containsPattern("semeval +broken +f1 not run yet");
        assertThat(reported.resolve("cells/broken")).doesNotExist(); // nothing ran
        assertThat(Files.readString(reported.resolve("results.md"))).contains("| baseline |").doesNotContain("Interim");
        assertThat(reported.resolve("report.html")).isRegularFile();
        Run reportSlice = run("study", withBroken.toString(), "--out", reported.toString(), "--report", "--methods", "baseline");
        assertThat(reportSlice.exit()).isEqualTo(2);
        assertThat(reportSlice.err()).startsWith("error[usage]: --report").contains("--methods");
        Run reportNothing = run("study", withBroken.toString(), "--out", tmp.resolve("none").toString(), "--report");
        assertThat(reportNothing.exit()).isEqualTo(2);
        assertThat(reportNothing.err()).startsWith("error[data-missing]: --out").contains("no such folder");
        // --status of the slice lists its steps only; without --methods, every step.
        Run slicedStatus = run("study", withBroken.toString(), "--out", tmp.resolve("sliced").toString(), "--methods", "broken", "--status");
        assertThat(slicedStatus.exit()).as(slicedStatus.err()).isZero();
        assertThat(slicedStatus.out()).contains("(the slice --methods broken): 1 step: 1 to run").contains("broken/semeval/seed-7")
                .doesNotContain("baseline/semeval/seed-7");
        Run allStatus = run("study", withBroken.toString(), "--out", tmp.resolve("sliced").toString(), "--status");
        assertThat(allStatus.out()).contains("2 steps: 1 done, 1 to run").contains("baseline/semeval/seed-7");
        Run unknown = run("study", withBroken.toString(), "--out", tmp.resolve("sliced").toString(), "--methods", "brokn",
                "--cache", cache, "--plugins", tmp.resolve("p").toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("error[config-unknown-method]").contains("'brokn'");
        Run unknownTask = run("study", withBroken.toString(), "--out", tmp.resolve("sliced").toString(), "--tasks", "semevl",
                "--cache", cache, "--plugins", tmp.resolve("p").toString());
        assertThat(unknownTask.exit()).isEqualTo(2);
        assertThat(unknownTask.err()).contains("error[config-unknown-task]").contains("'semevl'").contains("semeval");

        // Bad uses: one line each, nothing written.
        Run nothing = run("study", baselineOnly.toString(), "--out", tmp.resolve("never-ran").toString(), "--export",
                tmp.resolve("a2").toString());
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("error[data-missing]").contains("never-ran: no such folder");
        assertThat(tmp.resolve("a2")).doesNotExist();
        Run both = run("study", baselineOnly.toString(), "--out", out.toString(), "--export", archive.toString(), "--status");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("error[usage]").contains("--export");
        Run inside = run("study", baselineOnly.toString(), "--out", out.toString(), "--export", out.resolve("x").toString());
        assertThat(inside.exit()).isEqualTo(2);
        assertThat(inside.err()).contains("error[config-shared-folder]").contains("outside");
        Path notImportedEither = tmp.resolve("not-imported-either");
        Run eachWithStatus = run("study", baselineOnly.toString(), "--out", notImportedEither.toString(), "--import",
                archive.toString(), "--export-each-step", each.toString(), "--status");
        assertThat(eachWithStatus.exit()).isEqualTo(2);
        assertThat(eachWithStatus.err()).startsWith("error[usage]: --export-each-step").contains("not with --status");
        assertThat(notImportedEither).doesNotExist(); // refused before the import
        Run eachWithExport = run("study", baselineOnly.toString(), "--out", out.toString(), "--export-each-step", each.toString(),
                "--export", archive.toString());
        assertThat(eachWithExport.exit()).isEqualTo(2);
        assertThat(eachWithExport.err()).startsWith("error[usage]: --export").contains("--export-each-step");
        Path notImported = tmp.resolve("not-imported");
        Run eachInside = run("study", baselineOnly.toString(), "--out", notImported.toString(), "--import", archive.toString(),
                "--export-each-step", notImported.resolve("x").toString());
        assertThat(eachInside.exit()).isEqualTo(2);
        assertThat(eachInside.err()).startsWith("error[config-shared-folder]: ").contains("outside").doesNotContain("\tat ");
        assertThat(notImported).doesNotExist(); // refused before the import
        Run missing = run("study", baselineOnly.toString(), "--out", elsewhere.toString(), "--import", tmp.resolve("none").toString(),
                "--status");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("error[data-missing]").contains("none");
    }
}
