package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.spi.InfuseException;
import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import dev.infuse.stats.Tests;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summarises a study's cells and writes its outputs into the output folder, each atomically:
 * {@code results.json}, {@code results.csv} (task × method), {@code cells.csv} (one row per cell),
 * {@code results.md}, {@code charts/*.png|svg} and a self-contained {@code report.html}.
 */
public final class StudyReport {
    private StudyReport() {}

    /** Reads every cell's {@code metrics.json} and aggregates over seeds. */
    static StudyResults summarise(Study study, Path out, List<CellOutcome> pretrainings, List<CellOutcome> outcomes,
            Map<String, Object> provenance) {
        List<StudyResults.CellResult> cells = new ArrayList<>();
        for (CellOutcome o : outcomes) {
            Cell c = o.cell();
            String metric = task(study, c.task()).metric();
            JsonNode m = o.status() == CellOutcome.Status.FAILED ? null : StepFolders.readMetrics(c.folder());
            if (m == null) {
                String err = o.error() != null ? o.error() : "no readable metrics.json in " + c.folder();
                cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), CellOutcome.Status.FAILED,
                        o.errorCode() != null ? o.errorCode() : "artifact-io", err, Map.of(), List.of(), 0, 0, 0, o.seconds()));
                continue;
            }
            if (m.hasNonNull("not_applicable")) {
                cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), CellOutcome.Status.NOT_APPLICABLE,
                        StepWork.NOT_APPLICABLE, m.path("not_applicable").asText(), Map.of(), List.of(), 0, 0, 0, o.seconds()));
                continue;
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            m.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
            List<Double> curve = new ArrayList<>();
            for (JsonNode e : m.path("epochs")) {
                JsonNode v = e.path("metrics").path(metric);
                curve.add(v.isNumber() ? v.asDouble() : Double.NaN);
            }
            double train = 0;
            for (JsonNode e : m.path("epochs")) {
                train += e.path("seconds").asDouble(Double.NaN);
            }
            cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), o.status(), null, null, metrics, curve,
                    m.path("best_epoch").asInt(), m.path("trainable_parameters").asLong(), m.path("total_parameters").asLong(),
                    m.path("seconds").asDouble(), train, m.path("peak_rss_bytes").asLong(-1),
                    m.hasNonNull("peak_rss_scope") ? m.path("peak_rss_scope").asText() : null));
        }
        List<StudyResults.Summary> summaries = new ArrayList<>();
        for (Study.TaskEntry t : study.tasks()) {
            List<StudyResults.Summary> rows = new ArrayList<>();
            double baseline = Double.NaN;
            for (Study.Method method : study.methods()) {
                List<StudyResults.CellResult> done = cells.stream().filter(c -> c.task().equals(t.name())
                        && c.method().equals(method.name()) && c.status() != CellOutcome.Status.FAILED
                        && c.status() != CellOutcome.Status.NOT_APPLICABLE).toList();
                int failed = (int) cells.stream().filter(c -> c.task().equals(t.name()) && c.method().equals(method.name())
                        && c.status() == CellOutcome.Status.FAILED).count();
                double[] v = done.stream().mapToDouble(c -> c.metrics().getOrDefault(t.metric(), Double.NaN)).toArray();
                double mean = mean(v);
                if (method.name().equals(Study.BASELINE)) {
                    baseline = mean;
                }
                long peak = done.stream().mapToLong(StudyResults.CellResult::peakRssBytes).max().orElse(-1);
                String scope = peak < 0 ? null : done.stream().allMatch(c -> "cell".equals(c.peakRssScope())) ? "cell" : "process";
                rows.add(new StudyResults.Summary(t.name(), method.name(), t.metric(), mean, std(v, mean), v.length, failed,
                        Double.NaN, done.isEmpty() ? 0 : done.get(0).trainableParameters(),
                        done.isEmpty() ? 0 : done.get(0).totalParameters(), false,
                        mean(done.stream().mapToDouble(StudyResults.CellResult::trainSeconds).toArray()), peak, scope));
            }
            double best = rows.stream().mapToDouble(StudyResults.Summary::mean).filter(Double::isFinite).max().orElse(Double.NaN);
            for (StudyResults.Summary s : rows) {
                summaries.add(new StudyResults.Summary(s.task(), s.method(), s.metric(), s.mean(), s.std(), s.n(), s.failed(),
                        s.mean() - baseline, s.trainableParameters(), s.totalParameters(),
                        Double.isFinite(s.mean()) && s.mean() == best, s.trainSeconds(), s.peakRssBytes(), s.peakRssScope()));
            }
        }
        StudyStatistics stats = StudyStatistics.analyse(study, out, cells, settings());
        stats = stats.withReruns(reruns(study, out, cells, stats));
        return new StudyResults(study, out, pretrainings, cells, summaries, provenance, stats);
    }

    /**
     * The statistics settings: {@link PairedStatistics.Settings#defaults()} (10,000 resamples), or
     * the number of resamples in the system property {@code infuse.stats.resamples}.
     */
    static PairedStatistics.Settings settings() {
        PairedStatistics.Settings d = PairedStatistics.Settings.defaults();
        String r = System.getProperty("infuse.stats.resamples");
        if (r != null) {
            try {
                return d.withResamples(Integer.parseInt(r.trim()));
            } catch (IllegalArgumentException e) {
                throw new InfuseException("config-bad-value", "system property infuse.stats.resamples='" + r
                        + "': expected a positive whole number");
            }
        }
        return d;
    }

    /**
     * Cells run again now with the same recipe as in the previous {@code results.json} of this folder,
     * whose previous value lies outside their current 95% item-level interval.
     */
    static List<StudyStatistics.Rerun> reruns(Study study, Path out, List<StudyResults.CellResult> cells, StudyStatistics stats) {
        JsonNode previous;
        try {
            Path file = out.resolve("results.json");
            if (!java.nio.file.Files.isRegularFile(file)) {
                return List.of();
            }
            previous = Io.JSON.readTree(file.toFile());
        } catch (java.io.IOException e) {
            return List.of(); // an unreadable old report: nothing to compare with
        }
        Map<String, JsonNode> before = new LinkedHashMap<>();
        for (JsonNode c : previous.path("cells")) {
            before.put(StudyStatistics.cellKey(c.path("method").asText(), c.path("task").asText(), c.path("seed").asLong()), c);
        }
        List<StudyStatistics.Rerun> out2 = new ArrayList<>();
        for (StudyResults.CellResult c : cells) {
            if (c.status() != CellOutcome.Status.COMPLETED) {
                continue;
            }
            String key = StudyStatistics.cellKey(c.method(), c.task(), c.seed());
            JsonNode p = before.get(key);
            PairedStatistics.RunInterval now = stats.cells().get(key);
            Path folder = StudyGrid.cellFolder(out, c.method(), c.task(), c.seed());
            if (p == null || now == null || !p.path("value").isNumber() || !p.path("recipe_sha256").asText("").equals(recipeHash(folder))) {
                continue;
            }
            double before1 = p.path("value").asDouble();
            if (before1 < now.low() - 1e-12 || before1 > now.high() + 1e-12) {
                Map<String, Object> env = environment(folder);
                out2.add(new StudyStatistics.Rerun(key, before1, now.value(), now.low(), now.high(),
                        p.path("environment").isObject() ? dev.infuse.api.RunEnvironment.summary(
                                Io.JSON.convertValue(p.path("environment"), Map.class)) : null,
                        env == null ? null : dev.infuse.api.RunEnvironment.summary(env)));
            }
        }
        return out2;
    }

    static String recipeHash(Path folder) {
        try {
            Path f = folder.resolve(StepFolders.RECIPE);
            return java.nio.file.Files.isRegularFile(f) ? dev.infuse.api.Fingerprints.sha256(java.nio.file.Files.readAllBytes(f)) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> environment(Path folder) {
        Path f = folder.resolve(StepWork.ENVIRONMENT);
        try {
            return java.nio.file.Files.isRegularFile(f) ? Io.JSON.readValue(f.toFile(), Map.class) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static Study.TaskEntry task(Study study, String name) {
        return study.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n − 1); 0 for a single value. */
    static double std(double[] v, double mean) {
        if (v.length == 0) {
            return Double.NaN;
        }
        if (v.length == 1) {
            return 0;
        }
        double s = 0;
        for (double x : v) {
            s += (x - mean) * (x - mean);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** Writes every output of the study. */
    public static void write(StudyResults r) {
        Path out = r.out();
        Io.writeJson(out.resolve("results.json"), json(r));
        Io.write(out.resolve("results.csv"), summaryCsv(r));
        Io.write(out.resolve("cells.csv"), cellsCsv(r));
        Io.write(out.resolve("comparisons.csv"), comparisonsCsv(r));
        Io.write(out.resolve("results.md"), markdown(r));
        List<Charts.Chart> charts = charts(r);
        for (Charts.Chart c : charts) {
            Io.write(out.resolve("charts").resolve(c.name() + ".png"), c.png());
            Io.write(out.resolve("charts").resolve(c.name() + ".svg"), c.svgDocument());
        }
        Io.write(out.resolve("report.html"), HtmlReport.render(r, charts));
    }

    static List<Charts.Chart> charts(StudyResults r) {
        List<String> methods = r.study().methods().stream().map(Study.Method::name).toList();
        List<Charts.Chart> charts = new ArrayList<>();
        for (Study.TaskEntry t : r.study().tasks()) {
            List<StudyResults.Summary> rows = r.summaries().stream().filter(s -> s.task().equals(t.name())).toList();
            if (r.study().seeds().size() == 1) {
                // One seed: the error bar is half the 95% item-level interval (the seed spread is unmeasured).
                rows = rows.stream().map(s -> {
                    PairedStatistics.RunInterval one = oneSeedInterval(r, s);
                    return one == null ? s : new StudyResults.Summary(s.task(), s.method(), s.metric(), s.mean(),
                            (one.high() - one.low()) / 2, s.n(), s.failed(), s.delta(), s.trainableParameters(),
                            s.totalParameters(), s.best(), s.trainSeconds(), s.peakRssBytes(), s.peakRssScope());
                }).toList();
                charts.add(Charts.scores(t.name(), t.metric(), rows, methods, "one seed: ± half the 95% item-level interval"));
            } else {
                charts.add(Charts.scores(t.name(), t.metric(), rows, methods));
            }
            List<String> labels = new ArrayList<>();
            List<Comparison> shown = new ArrayList<>();
            StudyStatistics st = r.statistics();
            for (int i = 0; i < st.plan().size(); i++) {
                if (st.plan().get(i).task().equals(t.name()) && st.comparisons().get(i).ok()) {
                    labels.add(st.plan().get(i).method() + " vs " + st.plan().get(i).reference()
                            + (st.comparisons().get(i).significant() ? " " + SURVIVES : ""));
                    shown.add(st.comparisons().get(i));
                }
            }
            if (!shown.isEmpty()) {
                charts.add(Charts.deltas(t.name(), t.metric(), labels, shown));
            }
            Map<String, double[]> curves = new LinkedHashMap<>();
            for (String m : methods) {
                List<List<Double>> runs = r.cells().stream().filter(c -> c.task().equals(t.name()) && c.method().equals(m)
                        && !c.curve().isEmpty()).map(StudyResults.CellResult::curve).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                int epochs = runs.stream().mapToInt(List::size).max().orElse(0);
                double[] mean = new double[epochs];
                for (int e = 0; e < epochs; e++) {
                    final int epoch = e;
                    mean[e] = mean(runs.stream().filter(c -> c.size() > epoch).mapToDouble(c -> c.get(epoch))
                            .filter(Double::isFinite).toArray());
                }
                curves.put(m, mean);
            }
            if (curves.values().stream().anyMatch(c -> c.length > 0)) {
                // A probe trains nothing: no curve to draw.
                charts.add(Charts.curves(t.name(), t.metric(), curves, methods));
            }
        }
        return charts;
    }

    private static Object num(double d) {
        return Double.isFinite(d) ? d : null;
    }

    static Map<String, Object> json(StudyResults r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", r.study().name());
        m.put("seeds", r.study().seeds());
        m.put("tasks", r.study().tasks().stream().map(Study.TaskEntry::name).toList());
        m.put("methods", r.study().methods().stream().map(Study.Method::name).toList());
        if (r.interim()) {
            m.put("interim", Map.of("unfinished_cells", r.notStarted()));
        } else if (!r.notStarted().isEmpty()) {
            m.put("not_started", r.notStarted());
        }
        List<Map<String, Object>> summaries = new ArrayList<>();
        for (StudyResults.Summary s : r.summaries()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", s.task());
            row.put("method", s.method());
            row.put("metric", s.metric());
            row.put("mean", num(s.mean()));
            row.put("std", num(s.std()));
            row.put("seeds", s.n());
            row.put("failed", s.failed());
            row.put("delta_vs_baseline", num(s.delta()));
            row.put("trainable_parameters", s.trainableParameters());
            row.put("total_parameters", s.totalParameters());
            row.put("train_seconds", num(s.trainSeconds()));
            row.put("peak_rss_bytes", s.peakRssBytes() < 0 ? null : s.peakRssBytes());
            row.put("peak_rss_scope", s.peakRssScope());
            row.put("best", s.best());
            PairedStatistics.RunInterval one = oneSeedInterval(r, s);
            row.put("interval", one == null ? null : List.of(one.low(), one.high()));
            Comparison c = r.statistics().find(s.task(), s.method(), Study.BASELINE);
            if (c != null && c.ok()) {
                row.put("delta_interval", List.of(c.low(), c.high()));
                row.put("p", c.p());
                row.put("p_holm", c.pHolm());
                row.put("significant", c.significant());
                row.put("mde", c.mde());
            }
            Map<String, Object> effect = effectJson(r, s.task(), s.method());
            if (effect != null) {
                row.put("knowledge_effect", effect);
            }
            summaries.add(row);
        }
        m.put("summary", summaries);
        if (hasTwins(r.study())) {
            List<Map<String, Object>> effects = new ArrayList<>();
            for (Study.TaskEntry t : r.study().tasks()) {
                for (Study.Method x : r.study().methods()) {
                    Map<String, Object> e = effectJson(r, t.name(), x.name());
                    if (e != null) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("task", t.name());
                        row.put("method", x.name());
                        row.putAll(e);
                        effects.add(row);
                    }
                }
            }
            m.put("knowledge_effects", effects);
        }
        List<Map<String, Object>> cells = new ArrayList<>();
        for (StudyResults.CellResult c : r.cells()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("method", c.method());
            row.put("task", c.task());
            row.put("seed", c.seed());
            row.put("status", c.status().name().toLowerCase(Locale.ROOT));
            if (c.error() != null) {
                row.put("error_code", c.errorCode());
                row.put("error", c.error());
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            c.metrics().forEach((k, v) -> metrics.put(k, num(v)));
            row.put("metrics", metrics);
            row.put("curve", c.curve().stream().map(d -> num(d)).toList());
            row.put("best_epoch", c.bestEpoch());
            row.put("trainable_parameters", c.trainableParameters());
            row.put("total_parameters", c.totalParameters());
            row.put("seconds", c.seconds());
            row.put("train_seconds", num(c.trainSeconds()));
            row.put("peak_rss_bytes", c.peakRssBytes() < 0 ? null : c.peakRssBytes());
            row.put("peak_rss_scope", c.peakRssScope());
            row.put("folder", "cells/" + c.method() + "/" + c.task() + "/seed-" + c.seed());
            String key = StudyStatistics.cellKey(c.method(), c.task(), c.seed());
            PairedStatistics.RunInterval ri = r.statistics().cells().get(key);
            if (ri != null) {
                row.put("value", ri.value());
                row.put("interval", List.of(ri.low(), ri.high()));
            }
            Path folder = StudyGrid.cellFolder(r.out(), c.method(), c.task(), c.seed());
            String recipe = recipeHash(folder);
            if (!recipe.isEmpty()) {
                row.put("recipe_sha256", recipe);
            }
            Map<String, Object> env = environment(folder);
            if (env != null) {
                row.put("environment", env);
            }
            cells.add(row);
        }
        m.put("cells", cells);
        List<Map<String, Object>> pre = new ArrayList<>();
        for (CellOutcome o : r.pretrainings()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", o.cell().method());
            row.put("task", o.cell().task());
            row.put("seed", o.cell().seed());
            row.put("status", o.status().name().toLowerCase(Locale.ROOT));
            if (o.error() != null) {
                row.put("error_code", o.errorCode());
                row.put("error", o.error());
            }
            pre.add(row);
        }
        m.put("pretraining", pre);
        m.put("statistics", statisticsJson(r.statistics()));
        m.put("provenance", r.provenance());
        return m;
    }

    static Map<String, Object> statisticsJson(StudyStatistics st) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("resamples", st.settings().resamples());
        settings.put("seed", st.settings().seed());
        settings.put("alpha", st.settings().alpha());
        settings.put("power", st.settings().power());
        settings.put("interval", "paired percentile bootstrap over items");
        settings.put("test", "paired approximate randomisation, Holm-Bonferroni over all comparisons");
        m.put("settings", settings);
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < st.plan().size(); i++) {
            StudyStatistics.Planned p = st.plan().get(i);
            Comparison c = st.comparisons().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", p.task());
            row.put("method", p.method());
            row.put("reference", p.reference());
            row.put("relation", p.relation().label());
            if (!c.ok()) {
                row.put("error_code", c.errorCode());
                row.put("error", c.error());
                list.add(row);
                continue;
            }
            row.put("metric", c.metric());
            row.put("items", c.items());
            row.put("seed_pairs", c.seedPairs());
            row.put("value", num(c.valueA()));
            row.put("reference_value", num(c.valueB()));
            row.put("delta", num(c.delta()));
            row.put("interval", List.of(c.low(), c.high()));
            row.put("bootstrap_sd", num(c.sd()));
            row.put("p", num(c.p()));
            row.put("p_holm", num(c.pHolm()));
            row.put("significant", c.significant());
            row.put("mde", num(c.mde()));
            row.put("seed_sd", num(c.seedSd()));
            row.put("seed_variance_measured", c.seedVarianceMeasured());
            if (!c.mcnemar().isEmpty()) {
                row.put("mcnemar", c.mcnemar().stream().map(x -> Map.of("only_method", x.onlyA(), "only_reference", x.onlyB(),
                        "p", x.p())).toList());
            }
            Map<String, Object> seeds = new LinkedHashMap<>();
            for (double target : TARGET_MDES) {
                seeds.put(String.format(Locale.ROOT, "%.1f", 100 * target), seedAdvice(c, target, st.settings()));
            }
            row.put("seeds_for_mde_points", seeds);
            list.add(row);
        }
        m.put("comparisons", list);
        m.put("problems", st.problems());
        List<Map<String, Object>> reruns = new ArrayList<>();
        for (StudyStatistics.Rerun x : st.reruns()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("cell", x.cell());
            row.put("previous", x.previous());
            row.put("now", x.now());
            row.put("interval", List.of(x.low(), x.high()));
            row.put("previous_environment", x.previousEnvironment());
            row.put("environment", x.environment());
            reruns.add(row);
        }
        m.put("reruns_beyond_interval", reruns);
        return m;
    }

    /** The minimum detectable effects (fractions) for which the report suggests a seed count. */
    static final double[] TARGET_MDES = {0.005, 0.01, 0.02};

    /** The seed advice as a JSON value: a count, "unmeasured" (one seed) or "unreachable" (more items needed). */
    static Object seedAdvice(Comparison c, double target, PairedStatistics.Settings s) {
        int n = c.seedsFor(target, s.alpha(), s.power());
        return n == Tests.UNMEASURED ? "unmeasured" : n == Tests.UNREACHABLE ? "unreachable" : (Object) n;
    }

    /** The seed advice as text. */
    static String seedText(Comparison c, double target, PairedStatistics.Settings s) {
        int n = c.seedsFor(target, s.alpha(), s.power());
        return n == Tests.UNMEASURED ? "?" : n == Tests.UNREACHABLE ? "more items" : Integer.toString(n);
    }

    /** A one-seed summary's item-level interval, else null. */
    static PairedStatistics.RunInterval oneSeedInterval(StudyResults r, StudyResults.Summary s) {
        if (s.n() != 1) {
            return null;
        }
        return r.cells().stream().filter(c -> c.task().equals(s.task()) && c.method().equals(s.method())
                && c.status() != CellOutcome.Status.FAILED && c.status() != CellOutcome.Status.NOT_APPLICABLE)
                .map(c -> r.statistics().cells().get(StudyStatistics.cellKey(c.method(), c.task(), c.seed())))
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    private static String csv(Object v) {
        String s = v == null ? "" : v instanceof Double d ? (Double.isFinite(d) ? String.format(Locale.ROOT, "%.6f", d) : "")
                : v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String row(Object... values) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            s.append(i > 0 ? "," : "").append(csv(values[i]));
        }
        return s.append('\n').toString();
    }

    static String summaryCsv(StudyResults r) {
        StringBuilder s = new StringBuilder(row("task", "method", "metric", "mean", "std", "seeds", "failed", "delta_vs_baseline",
                "trainable_parameters", "total_parameters", "best", "item_low", "item_high", "delta_low", "delta_high", "p",
                "p_holm", "significant", "mde", "train_seconds", "peak_rss_mib", "peak_rss_scope"));
        boolean twins = hasTwins(r.study());
        if (twins) {
            // Only in studies with twins, so that the files of other studies keep their columns.
            s.setLength(s.length() - 1);
            s.append(",twin,knowledge_effect,knowledge_effect_low,knowledge_effect_high,knowledge_effect_p,"
                    + "knowledge_effect_p_holm,knowledge_effect_significant\n");
        }
        for (StudyResults.Summary x : r.summaries()) {
            PairedStatistics.RunInterval one = oneSeedInterval(r, x);
            Comparison c = r.statistics().find(x.task(), x.method(), Study.BASELINE);
            boolean ok = c != null && c.ok();
            s.append(row(x.task(), x.method(), x.metric(), x.mean(), x.std(), x.n(), x.failed(), x.delta(),
                    x.trainableParameters(), x.totalParameters(), x.best(), one == null ? null : one.low(),
                    one == null ? null : one.high(), ok ? c.low() : null, ok ? c.high() : null, ok ? c.p() : null,
                    ok ? c.pHolm() : null, ok ? c.significant() : null, ok ? c.mde() : null, x.trainSeconds(),
                    x.peakRssBytes() < 0 ? null : x.peakRssBytes() / MIB, x.peakRssScope()));
            if (twins) {
                Study.Method twin = r.study().twin(x.method());
                Comparison e = r.statistics().knowledgeEffect(x.task(), x.method());
                boolean eok = e != null && e.ok();
                s.setLength(s.length() - 1);
                s.append(',').append(row(twin == null ? null : twin.name(), eok ? e.delta() : null, eok ? e.low() : null,
                        eok ? e.high() : null, eok ? e.p() : null, eok ? e.pHolm() : null, eok ? e.significant() : null));
            }
        }
        return s.toString();
    }

    static String comparisonsCsv(StudyResults r) {
        StudyStatistics st = r.statistics();
        StringBuilder s = new StringBuilder(row("task", "method", "reference", "relation", "metric", "items", "seed_pairs",
                "value", "reference_value", "delta", "delta_low", "delta_high", "bootstrap_sd", "p", "p_holm", "significant", "mde",
                "seed_sd", "mcnemar_p", "seeds_for_mde_0.5", "seeds_for_mde_1", "seeds_for_mde_2", "error"));
        for (int i = 0; i < st.plan().size(); i++) {
            StudyStatistics.Planned p = st.plan().get(i);
            Comparison c = st.comparisons().get(i);
            if (!c.ok()) {
                s.append(row(p.task(), p.method(), p.reference(), p.relation().label(), null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null,
                        "error[" + c.errorCode() + "]: " + c.error()));
                continue;
            }
            s.append(row(p.task(), p.method(), p.reference(), p.relation().label(), c.metric(), c.items(), c.seedPairs(),
                    c.valueA(), c.valueB(), c.delta(), c.low(), c.high(), c.sd(), c.p(), c.pHolm(), c.significant(), c.mde(),
                    c.seedSd(), c.mcnemarP(), seedAdvice(c, 0.005, st.settings()), seedAdvice(c, 0.01, st.settings()),
                    seedAdvice(c, 0.02, st.settings()), null));
        }
        return s.toString();
    }

    static String cellsCsv(StudyResults r) {
        StringBuilder s = new StringBuilder(row("method", "task", "seed", "status", "metric", "value", "best_epoch",
                "trainable_parameters", "total_parameters", "seconds", "train_seconds", "peak_rss_mib", "peak_rss_scope", "error"));
        for (StudyResults.CellResult c : r.cells()) {
            String metric = task(r.study(), c.task()).metric();
            s.append(row(c.method(), c.task(), c.seed(), c.status().name().toLowerCase(Locale.ROOT), metric,
                    c.metrics().getOrDefault(metric, Double.NaN), c.bestEpoch(), c.trainableParameters(), c.totalParameters(),
                    c.seconds(), c.trainSeconds(), c.peakRssBytes() < 0 ? null : c.peakRssBytes() / MIB, c.peakRssScope(),
                    c.error() == null ? null : "error[" + c.errorCode() + "]: " + c.error()));
        }
        return s.toString();
    }

    /** A score in points with its spread, e.g. {@code 71.20 ± 0.85}. */
    static String score(StudyResults.Summary s) {
        if (s.n() == 0) {
            return s.failed() > 0 ? "failed" : "n/a";
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * s.mean(), 100 * s.std());
    }

    /**
     * A score in points: mean ± std over seeds, or with one seed its 95% item-level interval, e.g.
     * {@code 71.20 [69.80, 72.60]} (the seed spread is unmeasured), falling back to {@link #score(StudyResults.Summary)}.
     */
    static String score(StudyResults r, StudyResults.Summary s) {
        PairedStatistics.RunInterval one = oneSeedInterval(r, s);
        if (one == null) {
            return s.n() == 1 ? String.format(Locale.ROOT, "%.2f", 100 * s.mean()) : score(s);
        }
        return String.format(Locale.ROOT, "%.2f [%.2f, %.2f]", 100 * s.mean(), 100 * one.low(), 100 * one.high());
    }

    /** The marker of a comparison that survives Holm's correction. */
    static final String SURVIVES = "✓";

    /** Δ in points with its 95% interval and the Holm marker, e.g. {@code +1.20 [+0.31, +2.05] ✓}, or the plain Δ. */
    static String delta(StudyResults r, StudyResults.Summary s) {
        Comparison c = r.statistics().find(s.task(), s.method(), Study.BASELINE);
        if (c == null || !c.ok()) {
            return delta(s);
        }
        return deltaText(c);
    }

    static String deltaText(Comparison c) {
        return String.format(Locale.ROOT, "%+.2f [%+.2f, %+.2f]%s", 100 * c.delta(), 100 * c.low(), 100 * c.high(),
                c.significant() ? " " + SURVIVES : "");
    }

    /** Whether any method of the study has a knowledge-ablated twin ({@code twin:}). */
    static boolean hasTwins(Study study) {
        return study.methods().stream().anyMatch(Study.Method::isTwin);
    }

    /**
     * The knowledge effect of a method on a task for tables: method − its twin in points with its 95% interval
     * and the Holm marker; {@code twin of X} for a twin; a dash when it has no twin or the comparison could not be made.
     */
    static String knowledgeEffect(StudyResults r, StudyResults.Summary s) {
        Study.Method m = r.study().method(s.method());
        if (m != null && m.isTwin()) {
            return "twin of " + m.twinOf();
        }
        Comparison c = r.statistics().knowledgeEffect(s.task(), s.method());
        return c == null || !c.ok() ? "—" : deltaText(c);
    }

    /** The Holm-adjusted p of a method's knowledge effect, or a dash. */
    static String knowledgeEffectPHolm(StudyResults r, StudyResults.Summary s) {
        Comparison c = r.statistics().knowledgeEffect(s.task(), s.method());
        return c == null || !c.ok() ? "—" : pText(c.pHolm());
    }

    /** A method's knowledge effect on a task for results.json, or null when it has no twin. */
    private static Map<String, Object> effectJson(StudyResults r, String task, String method) {
        Study.Method twin = r.study().twin(method);
        if (twin == null) {
            return null;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("twin", twin.name());
        Comparison c = r.statistics().knowledgeEffect(task, method);
        if (c != null && c.ok()) {
            e.put("delta", c.delta());
            e.put("delta_interval", List.of(c.low(), c.high()));
            e.put("p", c.p());
            e.put("p_holm", c.pHolm());
            e.put("significant", c.significant());
            e.put("mde", c.mde());
            e.put("seed_pairs", c.seedPairs());
        } else {
            e.put("delta", null);
            e.put("error", c == null ? "not compared (a cell failed, is n/a or has no outcomes)" : "error[" + c.errorCode() + "]: " + c.error());
        }
        return e;
    }

    /** The headline of a study with twins (Markdown): every method's knowledge effect on every task. */
    static void knowledgeEffectsMarkdown(StudyResults r, StringBuilder s) {
        if (!hasTwins(r.study())) {
            return;
        }
        s.append("## Knowledge effects\n\n").append(KNOWLEDGE_EFFECT_TEXT).append("\n\n");
        s.append("| task | method | twin | method score | twin score | knowledge effect [95% CI] | p | p (Holm) | survives Holm |\n");
        s.append("|---|---|---|---:|---:|---:|---:|---:|:---:|\n");
        for (Study.TaskEntry t : r.study().tasks()) {
            for (Study.Method m : r.study().methods()) {
                Study.Method twin = r.study().twin(m.name());
                if (twin == null) {
                    continue;
                }
                Comparison c = r.statistics().knowledgeEffect(t.name(), m.name());
                boolean ok = c != null && c.ok();
                s.append("| ").append(t.name()).append(" | ").append(m.name()).append(" | ").append(twin.name()).append(" | ")
                        .append(scoreOf(r, t.name(), m.name())).append(" | ").append(scoreOf(r, t.name(), twin.name())).append(" | ")
                        .append(ok ? deltaText(c) : "—").append(" | ").append(ok ? pText(c.p()) : "—").append(" | ")
                        .append(ok ? pText(c.pHolm()) : "—").append(" | ").append(ok ? (c.significant() ? SURVIVES : "no") : "—")
                        .append(" |\n");
            }
        }
        s.append('\n');
    }

    /** What the knowledge effect is, in one paragraph. */
    static final String KNOWLEDGE_EFFECT_TEXT = "The knowledge effect of a method is its score minus that of its "
            + "knowledge-ablated twin (`<method>-twin`: trained identically — same seeds, budgets, data and shapes — but "
            + "without the evaluated knowledge in its knowledge source), paired item by item; [95% CI] from the paired "
            + "bootstrap, p from the paired randomisation test, Holm-adjusted with all other comparisons. A method can beat "
            + "the baseline by learning the task's format; only a positive knowledge effect says that knowledge got in. "
            + "See docs/STATISTICS.md.";

    /** A method's score on a task for tables, or a dash. */
    static String scoreOf(StudyResults r, String task, String method) {
        return r.summaries().stream().filter(x -> x.task().equals(task) && x.method().equals(method)).findFirst()
                .map(x -> score(r, x)).orElse("—");
    }

    /** A p-value for tables: 3 significant digits, {@code <0.0001} below the resolution of 10,000 rounds. */
    static String pText(double p) {
        if (!Double.isFinite(p)) {
            return "—";
        }
        return p < 1e-4 ? "<0.0001" : String.format(Locale.ROOT, p < 0.01 ? "%.4f" : "%.3f", p);
    }

    /** The Holm-adjusted p of a method against the baseline, or a dash. */
    static String pHolm(StudyResults r, StudyResults.Summary s) {
        Comparison c = r.statistics().find(s.task(), s.method(), Study.BASELINE);
        return c == null || !c.ok() ? "—" : pText(c.pHolm());
    }

    static String delta(StudyResults.Summary s) {
        if (s.method().equals(Study.BASELINE) || !Double.isFinite(s.delta())) {
            return "—";
        }
        return String.format(Locale.ROOT, "%+.2f", 100 * s.delta());
    }

    private static final double MIB = 1024.0 * 1024.0;

    /** Training time for tables: {@code 42.0 s}, {@code 12.5 min} or {@code 3.20 h}; a dash when unknown. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "—";
        }
        return seconds < 120 ? String.format(Locale.ROOT, "%.1f s", seconds)
                : seconds < 7200 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.2f h", seconds / 3600);
    }

    /** Peak RSS for tables, e.g. {@code 1,234 MiB}, with {@code ≤} when it is an upper bound; a dash when unknown. */
    static String memory(StudyResults.Summary s) {
        if (s.n() == 0 || s.peakRssBytes() < 0) {
            return "—";
        }
        return ("cell".equals(s.peakRssScope()) ? "" : "≤ ") + String.format(Locale.ROOT, "%,.0f MiB", s.peakRssBytes() / MIB);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String markdown(StudyResults r) {
        StringBuilder s = new StringBuilder("# Study: ").append(r.study().name()).append("\n\n");
        s.append("Scores in points on the development split, mean ± sample standard deviation over seeds ")
                .append(r.study().seeds()).append("; the best mean per task in bold; Δ against the frozen baseline. ")
                .append("Training time: the mean over seeds of a cell's training steps (no evaluation); peak RSS: the largest ")
                .append("over seeds of the process's resident-set high-water mark during a cell (JVM and frozen backbone ")
                .append("included; ≤ marks an upper bound, when cells ran side by side). Downstream models: ")
                .append(downstreams(r.study())).append(".\n\n");
        s.append(statisticsIntro(r)).append("\n\n");
        if (r.interim()) {
            s.append("**Interim:** written after a step while the run goes on, from every step complete so far; ")
                    .append(r.notStarted().isEmpty() ? "every cell of the run had finished"
                            : r.notStarted().size() + " cells of the run had not finished: " + String.join(", ", r.notStarted()))
                    .append(". The run replaces these tables when it ends.\n\n");
        } else if (!r.notStarted().isEmpty()) {
            s.append("**Incomplete:** the run's time limit came first; ").append(r.notStarted().size())
                    .append(" steps were not started and are left for the next run: ").append(String.join(", ", r.notStarted()))
                    .append(".\n\n");
        }
        knowledgeEffectsMarkdown(r, s);
        boolean twins = hasTwins(r.study());
        for (Study.TaskEntry t : r.study().tasks()) {
            s.append("## ").append(t.name()).append(" (").append(t.metric()).append(")\n\n");
            s.append("| method | ").append(t.metric()).append(twins ? " | knowledge effect vs twin [95% CI] | p (Holm)" : "")
                    .append(" | Δ vs baseline [95% CI] | p (Holm) | trainable parameters | total parameters | training time | peak RSS | seeds |\n");
            s.append(twins ? "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" : "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (StudyResults.Summary x : r.summaries()) {
                if (!x.task().equals(t.name())) {
                    continue;
                }
                String score = x.best() ? "**" + score(r, x) + "**" : score(r, x);
                s.append("| ").append(x.method()).append(" | ").append(score).append(" | ");
                if (twins) {
                    s.append(knowledgeEffect(r, x)).append(" | ").append(knowledgeEffectPHolm(r, x)).append(" | ");
                }
                s.append(delta(r, x)).append(" | ")
                        .append(pHolm(r, x)).append(" | ")
                        .append(x.n() == 0 ? "—" : count(x.trainableParameters())).append(" | ")
                        .append(x.n() == 0 ? "—" : count(x.totalParameters())).append(" | ")
                        .append(x.n() == 0 ? "—" : duration(x.trainSeconds())).append(" | ").append(memory(x)).append(" | ")
                        .append(x.n()).append(x.failed() > 0 ? " (" + x.failed() + " failed)" : "").append(" |\n");
            }
            s.append('\n');
            comparisonsMarkdown(r, t.name(), s);
        }
        statisticsProblemsMarkdown(r, s);
        List<StudyResults.CellResult> failed = r.failedCells();
        if (!failed.isEmpty()) {
            s.append("## Failed cells\n\n");
            for (StudyResults.CellResult c : failed) {
                s.append("- `").append(c.method()).append('/').append(c.task()).append("/seed-").append(c.seed()).append("`: error[")
                        .append(c.errorCode()).append("]: ").append(c.error().replace("\n", " ")).append('\n');
            }
            s.append('\n');
        }
        List<StudyResults.CellResult> na = r.cells().stream().filter(c -> c.status() == CellOutcome.Status.NOT_APPLICABLE)
                .filter(c -> c.seed() == r.study().seeds().get(0)).toList();
        if (!na.isEmpty()) {
            s.append("## Not applicable\n\n");
            for (StudyResults.CellResult c : na) {
                s.append("- `").append(c.method()).append('/').append(c.task()).append("`: ").append(c.error().replace("\n", " "))
                        .append('\n');
            }
            s.append('\n');
        }
        s.append("Paired comparisons: `comparisons.csv`; charts: `charts/`; per-cell metrics: `cells.csv` and `cells/<method>/<task>/seed-<n>/metrics.json`; ")
                .append("provenance: `results.json` and `report.html`.\n");
        return s.toString();
    }

    /** Each method's downstream model in a few words, e.g. {@code baseline: head; lora: layer_plugins [lora {r=16}]}. */
    static String downstreams(Study study) {
        List<String> parts = new ArrayList<>();
        for (Study.Method m : study.methods()) {
            // In-layer plug-ins pretrained with a knowledge plug-in are the cells' frozen downstream model.
            Study.Pretraining p = m.inLayerPretraining();
            parts.add(m.name() + ": " + (p == null ? m.downstream().describe() : "frozen layer_plugins "
                    + p.layerPlugins().stream().map(Study.LayerPluginEntry::describe).toList() + " pretrained with " + p.adapter()));
        }
        return String.join("; ", parts);
    }

    /** What the statistics columns mean, in one paragraph (Markdown). */
    static String statisticsIntro(StudyResults r) {
        PairedStatistics.Settings st = r.statistics().settings();
        String text = "Δ is the paired difference in the task's own metric, averaged over seed pairs; [95% CI] its percentile "
                + "interval from a paired bootstrap over the dev items (" + String.format(Locale.ROOT, "%,d", st.resamples())
                + " resamples, the metric recomputed on each); p from a paired randomisation test, Holm-adjusted over all "
                + r.statistics().comparisons().stream().filter(Comparison::ok).count() + " comparisons of the study; "
                + SURVIVES + " marks a difference that survives the correction at α = " + st.alpha() + ". MDE: the smallest "
                + "difference this dev set detects with " + Math.round(100 * st.power()) + "% power. See docs/STATISTICS.md.";
        if (r.study().seeds().size() == 1) {
            text += " **One seed: seed variance is unmeasured.** Scores show the 95% item-level interval instead of a spread "
                    + "over seeds; a rerun with another seed can move a score by more than that interval.";
        }
        return text;
    }

    private static void comparisonsMarkdown(StudyResults r, String task, StringBuilder s) {
        StudyStatistics st = r.statistics();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < st.plan().size(); i++) {
            if (st.plan().get(i).task().equals(task) && st.comparisons().get(i).ok()) {
                idx.add(i);
            }
        }
        if (idx.isEmpty()) {
            return;
        }
        s.append("Paired comparisons on ").append(task).append(":\n\n");
        s.append("| comparison | relation | Δ [95% CI] | p | p (Holm) | survives Holm | MDE | McNemar p | seeds for MDE 0.5 / 1 / 2 |\n");
        s.append("|---|---|---:|---:|---:|:---:|---:|---:|---:|\n");
        for (int i : idx) {
            StudyStatistics.Planned p = st.plan().get(i);
            Comparison c = st.comparisons().get(i);
            s.append("| ").append(p.method()).append(" vs ").append(p.reference()).append(" | ").append(p.relation().label())
                    .append(" | ").append(deltaText(c)).append(" | ").append(pText(c.p())).append(" | ").append(pText(c.pHolm()))
                    .append(" | ").append(c.significant() ? SURVIVES : "no").append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", 100 * c.mde())).append(" | ")
                    .append(c.mcnemar().isEmpty() ? "—" : pText(c.mcnemarP())).append(" | ")
                    .append(seedText(c, 0.005, st.settings())).append(" / ").append(seedText(c, 0.01, st.settings())).append(" / ")
                    .append(seedText(c, 0.02, st.settings())).append(" |\n");
        }
        boolean unmeasured = idx.stream().anyMatch(i -> !st.comparisons().get(i).seedVarianceMeasured());
        s.append('\n');
        if (unmeasured) {
            s.append("Seeds needed: unmeasured (?) where a comparison has one seed pair — run at least 2 seeds (3 or more "
                    + "recommended) to measure the seed variance; \"more items\" where the dev set alone cannot reach that MDE.\n\n");
        }
    }

    private static void statisticsProblemsMarkdown(StudyResults r, StringBuilder s) {
        StudyStatistics st = r.statistics();
        if (!st.problems().isEmpty()) {
            s.append("## Comparisons not made\n\n");
            for (String p : st.problems()) {
                s.append("- ").append(p.replace("\n", " ")).append('\n');
            }
            s.append('\n');
        }
        if (!st.reruns().isEmpty()) {
            s.append("## Reruns that moved beyond their interval\n\n");
            for (StudyStatistics.Rerun x : st.reruns()) {
                s.append("- `").append(x.cell()).append("`: ").append(String.format(Locale.ROOT, "%.2f before, %.2f now, "
                        + "outside its 95%% item-level interval [%.2f, %.2f]", 100 * x.previous(), 100 * x.now(), 100 * x.low(),
                        100 * x.high())).append("; before: ").append(x.previousEnvironment() == null ? "environment not recorded"
                        : x.previousEnvironment()).append("; now: ").append(x.environment() == null ? "environment not recorded"
                        : x.environment()).append('\n');
            }
            s.append('\n');
        }
    }
}
