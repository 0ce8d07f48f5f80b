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

    static Study.TaskEntry task(Study study, String name) {
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
        Io.writeJson(out.resolve("results.json"), ResultsJson.json(r));
        Io.write(out.resolve("results.csv"), ResultsCsv.summaryCsv(r));
        Io.write(out.resolve("cells.csv"), ResultsCsv.cellsCsv(r));
        Io.write(out.resolve("comparisons.csv"), ResultsCsv.comparisonsCsv(r));
        Io.write(out.resolve("results.md"), ResultsMarkdown.markdown(r));
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
                            + (st.comparisons().get(i).significant() ? " " + ResultsMarkdown.SURVIVES : ""));
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

    /** The minimum detectable effects (fractions) for which the report suggests a seed count. */
    static final double[] TARGET_MDES = {0.005, 0.01, 0.02};

    /** The seed advice as a JSON value: a count, "unmeasured" (one seed) or "unreachable" (more items needed). */
    static Object seedAdvice(Comparison c, double target, PairedStatistics.Settings s) {
        int n = c.seedsFor(target, s.alpha(), s.power());
        return n == Tests.UNMEASURED ? "unmeasured" : n == Tests.UNREACHABLE ? "unreachable" : (Object) n;
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
}
