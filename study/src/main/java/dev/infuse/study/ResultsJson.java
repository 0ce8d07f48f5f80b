package dev.infuse.study;

import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A study's {@code results.json}: summaries, cells, statistics, knowledge effects, provenance. */
final class ResultsJson {
    private ResultsJson() {}

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
            PairedStatistics.RunInterval one = StudyReport.oneSeedInterval(r, s);
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
        if (ResultsMarkdown.hasTwins(r.study())) {
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
            String recipe = StudyReport.recipeHash(folder);
            if (!recipe.isEmpty()) {
                row.put("recipe_sha256", recipe);
            }
            Map<String, Object> env = StudyReport.environment(folder);
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
            if (!c.changed().isEmpty()) {
                row.put("changed_predictions", c.changed().stream().map(x -> {
                    Map<String, Object> pair = new LinkedHashMap<>();
                    pair.put("changed", x.items());
                    pair.put("only_method_right", x.onlyARight());
                    pair.put("only_reference_right", x.onlyBRight());
                    return pair;
                }).toList());
            }
            Map<String, Object> seeds = new LinkedHashMap<>();
            for (double target : StudyReport.TARGET_MDES) {
                seeds.put(String.format(Locale.ROOT, "%.1f", 100 * target), StudyReport.seedAdvice(c, target, st.settings()));
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
}
