package dev.infuse.study;

import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import java.util.Locale;

/** A study's CSV tables: {@code results.csv} (task × method), {@code comparisons.csv}, {@code cells.csv}. */
final class ResultsCsv {
    private ResultsCsv() {}

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
        boolean twins = ResultsMarkdown.hasTwins(r.study());
        if (twins) {
            // Only in studies with twins, so that the files of other studies keep their columns.
            s.setLength(s.length() - 1);
            s.append(",twin,knowledge_effect,knowledge_effect_low,knowledge_effect_high,knowledge_effect_p,"
                    + "knowledge_effect_p_holm,knowledge_effect_significant\n");
        }
        for (StudyResults.Summary x : r.summaries()) {
            PairedStatistics.RunInterval one = StudyReport.oneSeedInterval(r, x);
            Comparison c = r.statistics().find(x.task(), x.method(), Study.BASELINE);
            boolean ok = c != null && c.ok();
            s.append(row(x.task(), x.method(), x.metric(), x.mean(), x.std(), x.n(), x.failed(), x.delta(),
                    x.trainableParameters(), x.totalParameters(), x.best(), one == null ? null : one.low(),
                    one == null ? null : one.high(), ok ? c.low() : null, ok ? c.high() : null, ok ? c.p() : null,
                    ok ? c.pHolm() : null, ok ? c.significant() : null, ok ? c.mde() : null, x.trainSeconds(),
                    x.peakRssBytes() < 0 ? null : x.peakRssBytes() / ResultsMarkdown.MIB, x.peakRssScope()));
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
                "seed_sd", "mcnemar_p", "changed_predictions", "changed_only_method_right", "changed_only_reference_right",
                "seeds_for_mde_0.5", "seeds_for_mde_1", "seeds_for_mde_2", "error"));
        for (int i = 0; i < st.plan().size(); i++) {
            StudyStatistics.Planned p = st.plan().get(i);
            Comparison c = st.comparisons().get(i);
            Comparison.Changed changed = c.changedOverSeeds();
            if (!c.ok()) {
                s.append(row(p.task(), p.method(), p.reference(), p.relation().label(), null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        "error[" + c.errorCode() + "]: " + c.error()));
                continue;
            }
            s.append(row(p.task(), p.method(), p.reference(), p.relation().label(), c.metric(), c.items(), c.seedPairs(),
                    c.valueA(), c.valueB(), c.delta(), c.low(), c.high(), c.sd(), c.p(), c.pHolm(), c.significant(), c.mde(),
                    c.seedSd(), c.mcnemarP(), changed == null ? null : changed.items(), changed == null ? null : changed.onlyARight(),
                    changed == null ? null : changed.onlyBRight(),
                    StudyReport.seedAdvice(c, 0.005, st.settings()), StudyReport.seedAdvice(c, 0.01, st.settings()),
                    StudyReport.seedAdvice(c, 0.02, st.settings()), null));
        }
        return s.toString();
    }

    static String cellsCsv(StudyResults r) {
        StringBuilder s = new StringBuilder(row("method", "task", "seed", "status", "metric", "value", "best_epoch",
                "trainable_parameters", "total_parameters", "seconds", "train_seconds", "peak_rss_mib", "peak_rss_scope", "error"));
        for (StudyResults.CellResult c : r.cells()) {
            String metric = StudyReport.task(r.study(), c.task()).metric();
            s.append(row(c.method(), c.task(), c.seed(), c.status().name().toLowerCase(Locale.ROOT), metric,
                    c.metrics().getOrDefault(metric, Double.NaN), c.bestEpoch(), c.trainableParameters(), c.totalParameters(),
                    c.seconds(), c.trainSeconds(), c.peakRssBytes() < 0 ? null : c.peakRssBytes() / ResultsMarkdown.MIB, c.peakRssScope(),
                    c.error() == null ? null : "error[" + c.errorCode() + "]: " + c.error()));
        }
        return s.toString();
    }
}
