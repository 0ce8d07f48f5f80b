package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study report's paired statistics, on cells written by hand (metrics.json + outcomes.json, as a
 * cell leaves them): a method that is clearly better than the baseline, its same-shape control that is
 * not, several seeds or one, cells without outcomes or on other items, and a rerun that moved.
 */
class StudyStatisticsTest {
    private static final String[] CLASSES = {"Cause-Effect(e1,e2)", "Component-Whole(e2,e1)", "Member-Collection(e1,e2)", "Other"};
    private static final ItemMetric F1 = new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, java.util.Set.of("Other"));
    private static final int ITEMS = 300;

    @BeforeAll
    static void fewerResamples() {
        System.setProperty("infuse.stats.resamples", "2000");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("infuse.stats.resamples");
    }

    static Study study(Path dir, String seeds) throws IOException {
        Path file = Files.writeString(dir.resolve("s.yaml"), """
                name: stats
                backbone: bert-random
                data: data
                seeds: %s
                tasks: [semeval]
                methods:
                  - name: factual
                    adapters:
                      - {mode: train, adapter: factual, config: {adapter_size: 8}}
                  - name: factual-control
                    adapters:
                      - {mode: control, adapter: factual, config: {adapter_size: 8}}
                """.formatted(seeds));
        Files.createDirectories(dir.resolve("data"));
        return StudyFile.read(file, null);
    }

    /** A system right on each item with probability {@code skill}, else a random class. */
    static Outcomes outcomes(SplittableRandom rng, double skill, int items) {
        List<ItemOutcome> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            String gold = CLASSES[i % CLASSES.length];
            String pred = rng.nextDouble() < skill ? gold : CLASSES[rng.nextInt(CLASSES.length)];
            Map<String, Double> c = new HashMap<>();
            c.merge("gold:" + gold, 1.0, Double::sum);
            c.merge("pred:" + pred, 1.0, Double::sum);
            if (pred.equals(gold)) {
                c.put("tp:" + gold, 1.0);
            }
            list.add(new ItemOutcome("s" + i, c, pred, gold));
        }
        return new Outcomes("semeval", "dev", F1, list);
    }

    static CellOutcome cell(Path out, String method, long seed, Outcomes o, String recipe) throws IOException {
        Path folder = StudyGrid.cellFolder(out, method, "semeval", seed);
        Files.createDirectories(folder);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("task", "semeval");
        metrics.put("metrics", Map.of("f1", o.value()));
        metrics.put("best_epoch", 1);
        metrics.put("trainable_parameters", 10);
        metrics.put("total_parameters", 100);
        metrics.put("seconds", 1.0);
        new ObjectMapper().writeValue(folder.resolve("metrics.json").toFile(), metrics);
        o.write(folder.resolve(Outcomes.FILE_NAME));
        Files.writeString(folder.resolve(StepFolders.RECIPE), recipe);
        return new CellOutcome(new Cell(Cell.Stage.EVALUATION, method, "semeval", seed, folder), CellOutcome.Status.COMPLETED,
                null, null, 1.0);
    }

    static Map<String, Object> provenance() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", "2026-12-06T00:00:00Z");
        p.put("study_file", "s.yaml");
        p.put("study_sha256", "0");
        p.put("data_folder", "data");
        p.put("backbone", Map.of("name", "bert-random", "config", Map.of(), "fingerprint", "x"));
        p.put("versions", Map.of("infuse", "dev", "spi", "1", "java", "17", "os", "linux", "plugins", List.of()));
        p.put("machine", Map.of("cores", 2, "memory_bytes", 1L << 30, "executor", "LocalCellExecutor"));
        p.put("data", List.of());
        p.put("config", "");
        return p;
    }

    static List<CellOutcome> grid(Path out, List<Long> seeds, long rngSeed) throws IOException {
        SplittableRandom rng = new SplittableRandom(rngSeed);
        List<CellOutcome> cells = new ArrayList<>();
        for (long seed : seeds) {
            cells.add(cell(out, "baseline", seed, outcomes(rng, 0.45, ITEMS), "baseline " + seed));
            cells.add(cell(out, "factual", seed, outcomes(rng, 0.75, ITEMS), "factual " + seed));
            cells.add(cell(out, "factual-control", seed, outcomes(rng, 0.45, ITEMS), "control " + seed));
        }
        return cells;
    }

    static StudyResults report(Study study, Path out, List<CellOutcome> cells) {
        StudyResults r = StudyReport.summarise(study, out, List.of(), cells, provenance());
        StudyReport.write(r);
        return r;
    }

    @Test
    void everyMethodAgainstTheBaselineAndItsControlWithIntervalsHolmAndMarkers(@TempDir Path dir) throws IOException {
        Study study = study(dir, "[1, 2, 3]");
        assertThat(StudyStatistics.plan(study)).extracting(StudyStatistics.Planned::id).containsExactly(
                "semeval: factual vs baseline", "semeval: factual vs factual-control", "semeval: factual-control vs baseline");
        Path out = dir.resolve("out");
        StudyResults r = report(study, out, grid(out, study.seeds(), 1));

        StudyStatistics st = r.statistics();
        assertThat(st.problems()).isEmpty();
        var vsBase = st.find("semeval", "factual", "baseline");
        var vsControl = st.find("semeval", "factual", "factual-control");
        var controlVsBase = st.find("semeval", "factual-control", "baseline");
        assertThat(vsBase.seedPairs()).isEqualTo(3);
        assertThat(vsBase.items()).isEqualTo(ITEMS);
        assertThat(vsBase.significant()).isTrue();
        assertThat(vsControl.significant()).isTrue();
        assertThat(vsBase.low()).isGreaterThan(0);
        assertThat(vsBase.pHolm()).isGreaterThanOrEqualTo(vsBase.p());
        assertThat(controlVsBase.low()).isLessThan(0.02);
        // Δ is the mean over seeds of the paired differences of the metric in metrics.json.
        StudyResults.Summary f = r.summaries().stream().filter(s -> s.method().equals("factual")).findFirst().orElseThrow();
        assertThat(vsBase.delta()).isCloseTo(f.delta(), org.assertj.core.api.Assertions.within(1e-9));

        // Changed predictions, counted here item by item from the cells' outcomes (macro-F1 items say nothing of 'correct').
        long changed = 0;
        for (long seed : study.seeds()) {
            var fa = Outcomes.read(StudyGrid.cellFolder(out, "factual", "semeval", seed).resolve(Outcomes.FILE_NAME)).items();
            var fb = Outcomes.read(StudyGrid.cellFolder(out, "baseline", "semeval", seed).resolve(Outcomes.FILE_NAME)).items();
            for (int i = 0; i < fa.size(); i++) {
                changed += fa.get(i).predicted().equals(fb.get(i).predicted()) ? 0 : 1;
            }
        }
        assertThat(vsBase.changedTotal()).isPositive().isEqualTo(changed);
        assertThat(vsBase.changed()).hasSize(3);
        assertThat(vsBase.changedRightKnown()).isFalse();

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("Δ vs baseline [95% CI]", "p (Holm)", "factual vs factual-control | control",
                "seeds for MDE 0.5 / 1 / 2", ResultsMarkdown.SURVIVES, "± ", "| changed predictions |",
                " | " + String.format(java.util.Locale.ROOT, "%,d", changed) + " | ");
        assertThat(md).doesNotContain("seed variance is unmeasured");
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode comps = json.path("statistics").path("comparisons");
        assertThat(comps).hasSize(3);
        assertThat(comps.get(1).path("relation").asText()).isEqualTo("control");
        assertThat(comps.get(0).path("significant").asBoolean()).isTrue();
        assertThat(comps.get(0).path("interval")).hasSize(2);
        assertThat(comps.get(0).path("seeds_for_mde_points").has("1.0")).isTrue();
        assertThat(comps.get(0).path("changed_predictions")).hasSize(3);
        assertThat(comps.get(0).path("changed_predictions").get(0).path("only_method_right").isNull()).isTrue();
        assertThat(json.path("summary").get(1).path("delta_interval")).hasSize(2);
        assertThat(json.path("cells").get(0).path("interval")).hasSize(2);
        String csv = Files.readString(out.resolve("comparisons.csv"));
        assertThat(csv.lines()).hasSize(4);
        assertThat(csv.lines().skip(1)).allMatch(l -> l.startsWith("semeval,"));
        List<String> header = List.of(csv.lines().findFirst().orElseThrow().split(","));
        String[] firstRow = csv.lines().skip(1).findFirst().orElseThrow().split(",", -1);
        assertThat(firstRow).hasSize(header.size());
        assertThat(firstRow[header.indexOf("changed_predictions")]).isEqualTo(Long.toString(changed));
        assertThat(Files.readString(out.resolve("results.csv")).lines().findFirst().orElseThrow()).contains("delta_low", "p_holm");
        assertThat(out.resolve("charts/deltas-semeval.svg")).exists();
        assertThat(out.resolve("charts/deltas-semeval.png")).exists();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("class=\"comparisons\"", "data-chart=\"deltas-semeval\"", "p (Holm)", "changed predictions</th>");
    }

    @Test
    void oneSeedShowsTheItemIntervalAndSaysSeedVarianceIsUnmeasured(@TempDir Path dir) throws IOException {
        Study study = study(dir, "[7]");
        Path out = dir.resolve("out");
        StudyResults r = report(study, out, grid(out, study.seeds(), 2));
        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).doesNotContain("± 0.00");
        assertThat(md).contains("seed variance is unmeasured", "Seeds needed: unmeasured");
        StudyResults.Summary base = r.summaries().stream().filter(s -> s.method().equals("baseline")).findFirst().orElseThrow();
        var ri = r.statistics().cells().get("baseline/semeval/seed-7");
        assertThat(ResultsMarkdown.score(r, base)).isEqualTo(String.format(java.util.Locale.ROOT, "%.2f [%.2f, %.2f]",
                100 * base.mean(), 100 * ri.low(), 100 * ri.high()));
        assertThat(ri.low()).isLessThan(ri.value());
        assertThat(ri.high()).isGreaterThan(ri.value());
        assertThat(md).contains(ResultsMarkdown.score(r, base));
        assertThat(Files.readString(out.resolve("report.html"))).contains("seed variance is unmeasured");
    }

    @Test
    void cellsWithoutOutcomesOrOnOtherItemsGetOneMessageAndTheRestIsWritten(@TempDir Path dir) throws IOException {
        Study study = study(dir, "[1, 2]");
        Path out = dir.resolve("out");
        List<CellOutcome> cells = grid(out, study.seeds(), 3);
        // Two cells from before outcomes.json existed; one control cell evaluated on other items.
        Files.delete(StudyGrid.cellFolder(out, "baseline", "semeval", 1).resolve(Outcomes.FILE_NAME));
        Files.delete(StudyGrid.cellFolder(out, "factual", "semeval", 2).resolve(Outcomes.FILE_NAME));
        outcomes(new SplittableRandom(9), 0.45, ITEMS - 10).write(
                StudyGrid.cellFolder(out, "factual-control", "semeval", 1).resolve(Outcomes.FILE_NAME));
        StudyResults r = report(study, out, cells);
        List<String> problems = r.statistics().problems();
        assertThat(problems.get(0)).startsWith("error[data-missing]: 2 cells have no per-item outcomes")
                .contains("cells/baseline/semeval/seed-1", "cells/factual/semeval/seed-2");
        assertThat(problems).anyMatch(p -> p.startsWith("error[data-unpaired]") && p.contains("cells/factual-control/semeval/seed-1")
                && p.contains("item sets differ"));
        // factual vs baseline still pairs the one seed both have outcomes for (seed 2 lacks factual, seed 1 baseline).
        assertThat(r.statistics().find("semeval", "factual-control", "baseline")).isNotNull();
        assertThat(Files.readString(out.resolve("results.md"))).contains("## Comparisons not made", "error[data-missing]",
                "## semeval");
        assertThat(out.resolve("report.html")).exists();
        assertThat(out.resolve("comparisons.csv")).exists();
    }

    @Test
    void aRerunThatMovedBeyondItsIntervalIsFlagged(@TempDir Path dir) throws IOException {
        Study study = study(dir, "[1]");
        Path out = dir.resolve("out");
        List<CellOutcome> cells = grid(out, study.seeds(), 4);
        report(study, out, cells);
        // Rerun of the same recipe (e.g. on another machine): factual's predictions changed a lot, baseline's not at all.
        List<CellOutcome> again = new ArrayList<>(cells);
        again.set(1, cell(out, "factual", 1, outcomes(new SplittableRandom(5), 0.45, ITEMS), "factual 1"));
        StudyResults r = report(study, out, again);
        assertThat(r.statistics().reruns()).extracting(StudyStatistics.Rerun::cell).containsExactly("factual/semeval/seed-1");
        StudyStatistics.Rerun x = r.statistics().reruns().get(0);
        assertThat(x.previous()).isGreaterThan(x.high());
        assertThat(Files.readString(out.resolve("results.md"))).contains("## Reruns that moved beyond their interval",
                "`factual/semeval/seed-1`");
        // A changed recipe is a different experiment, not a rerun.
        again.set(1, cell(out, "factual", 1, outcomes(new SplittableRandom(6), 0.75, ITEMS), "factual 1 with other settings"));
        report(study, out, again);
        again.set(1, cell(out, "factual", 1, outcomes(new SplittableRandom(5), 0.45, ITEMS), "factual 1 with yet other settings"));
        assertThat(report(study, out, again).statistics().reruns()).isEmpty();
    }
}
