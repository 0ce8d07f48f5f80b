package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
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
            JsonNode m = o.status() == CellOutcome.Status.FAILED ? null : StudyRunner.readMetrics(c.folder());
            if (m == null) {
                String err = o.error() != null ? o.error() : "no readable metrics.json in " + c.folder();
                cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), CellOutcome.Status.FAILED,
                        o.errorCode() != null ? o.errorCode() : "artifact-io", err, Map.of(), List.of(), 0, 0, 0, o.seconds()));
                continue;
            }
            if (m.hasNonNull("not_applicable")) {
                cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), CellOutcome.Status.NOT_APPLICABLE,
                        StudyRunner.NOT_APPLICABLE, m.path("not_applicable").asText(), Map.of(), List.of(), 0, 0, 0, o.seconds()));
                continue;
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            m.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
            List<Double> curve = new ArrayList<>();
            for (JsonNode e : m.path("epochs")) {
                JsonNode v = e.path("metrics").path(metric);
                curve.add(v.isNumber() ? v.asDouble() : Double.NaN);
            }
            cells.add(new StudyResults.CellResult(c.method(), c.task(), c.seed(), o.status(), null, null, metrics, curve,
                    m.path("best_epoch").asInt(), m.path("trainable_parameters").asLong(), m.path("total_parameters").asLong(),
                    m.path("seconds").asDouble()));
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
                rows.add(new StudyResults.Summary(t.name(), method.name(), t.metric(), mean, std(v, mean), v.length, failed,
                        Double.NaN, done.isEmpty() ? 0 : done.get(0).trainableParameters(),
                        done.isEmpty() ? 0 : done.get(0).totalParameters(), false));
            }
            double best = rows.stream().mapToDouble(StudyResults.Summary::mean).filter(Double::isFinite).max().orElse(Double.NaN);
            for (StudyResults.Summary s : rows) {
                summaries.add(new StudyResults.Summary(s.task(), s.method(), s.metric(), s.mean(), s.std(), s.n(), s.failed(),
                        s.mean() - baseline, s.trainableParameters(), s.totalParameters(),
                        Double.isFinite(s.mean()) && s.mean() == best));
            }
        }
        return new StudyResults(study, out, pretrainings, cells, summaries, provenance);
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
            charts.add(Charts.scores(t.name(), t.metric(), rows, methods));
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
            row.put("best", s.best());
            summaries.add(row);
        }
        m.put("summary", summaries);
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
            row.put("folder", "cells/" + c.method() + "/" + c.task() + "/seed-" + c.seed());
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
        m.put("provenance", r.provenance());
        return m;
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
                "trainable_parameters", "total_parameters", "best"));
        for (StudyResults.Summary x : r.summaries()) {
            s.append(row(x.task(), x.method(), x.metric(), x.mean(), x.std(), x.n(), x.failed(), x.delta(),
                    x.trainableParameters(), x.totalParameters(), x.best()));
        }
        return s.toString();
    }

    static String cellsCsv(StudyResults r) {
        StringBuilder s = new StringBuilder(row("method", "task", "seed", "status", "metric", "value", "best_epoch",
                "trainable_parameters", "total_parameters", "seconds", "error"));
        for (StudyResults.CellResult c : r.cells()) {
            String metric = task(r.study(), c.task()).metric();
            s.append(row(c.method(), c.task(), c.seed(), c.status().name().toLowerCase(Locale.ROOT), metric,
                    c.metrics().getOrDefault(metric, Double.NaN), c.bestEpoch(), c.trainableParameters(), c.totalParameters(),
                    c.seconds(), c.error() == null ? null : "error[" + c.errorCode() + "]: " + c.error()));
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

    static String delta(StudyResults.Summary s) {
        if (s.method().equals(Study.BASELINE) || !Double.isFinite(s.delta())) {
            return "—";
        }
        return String.format(Locale.ROOT, "%+.2f", 100 * s.delta());
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String markdown(StudyResults r) {
        StringBuilder s = new StringBuilder("# Study: ").append(r.study().name()).append("\n\n");
        s.append("Scores in points on the development split, mean ± sample standard deviation over seeds ")
                .append(r.study().seeds()).append("; the best mean per task in bold; Δ against the frozen baseline.\n\n");
        for (Study.TaskEntry t : r.study().tasks()) {
            s.append("## ").append(t.name()).append(" (").append(t.metric()).append(")\n\n");
            s.append("| method | ").append(t.metric()).append(" | Δ vs baseline | trainable parameters | total parameters | seeds |\n");
            s.append("|---|---:|---:|---:|---:|---:|\n");
            for (StudyResults.Summary x : r.summaries()) {
                if (!x.task().equals(t.name())) {
                    continue;
                }
                String score = x.best() ? "**" + score(x) + "**" : score(x);
                s.append("| ").append(x.method()).append(" | ").append(score).append(" | ").append(delta(x)).append(" | ")
                        .append(x.n() == 0 ? "—" : count(x.trainableParameters())).append(" | ")
                        .append(x.n() == 0 ? "—" : count(x.totalParameters())).append(" | ")
                        .append(x.n()).append(x.failed() > 0 ? " (" + x.failed() + " failed)" : "").append(" |\n");
            }
            s.append('\n');
        }
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
        s.append("Charts: `charts/`; per-cell metrics: `cells.csv` and `cells/<method>/<task>/seed-<n>/metrics.json`; ")
                .append("provenance: `results.json` and `report.html`.\n");
        return s.toString();
    }
}
