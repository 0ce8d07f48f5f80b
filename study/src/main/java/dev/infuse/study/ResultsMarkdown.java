package dev.infuse.study;

import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import dev.infuse.stats.Tests;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A study's {@code results.md} and the formatting of its figures (scores, deltas, p-values, times, memory) shared with the HTML report. */
final class ResultsMarkdown {
    private ResultsMarkdown() {}

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
        PairedStatistics.RunInterval one = StudyReport.oneSeedInterval(r, s);
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

    /** Whether any method reuses a saved downstream model ({@code downstream: {from: X}}): the tables then show Δ against it. */
    static boolean hasReusedModels(Study study) {
        return study.methods().stream().anyMatch(m -> m.downstream().from() != null);
    }

    /**
     * Δ of a method against the downstream model it reuses (what its plug-in adds to that model, relation
     * {@code downstream} or, for the baseline's model, {@code baseline}) with its 95% interval and the Holm marker;
     * a dash for a method that reuses none or when the comparison could not be made.
     */
    static String reusedModelDelta(StudyResults r, StudyResults.Summary s) {
        Study.Method m = r.study().method(s.method());
        String from = m == null ? null : m.downstream().from();
        Comparison c = from == null ? null : r.statistics().find(s.task(), s.method(), from);
        return c == null || !c.ok() ? "—" : deltaText(c);
    }

    /** The Holm-adjusted p of a method's knowledge effect, or a dash. */
    static String knowledgeEffectPHolm(StudyResults r, StudyResults.Summary s) {
        Comparison c = r.statistics().knowledgeEffect(s.task(), s.method());
        return c == null || !c.ok() ? "—" : pText(c.pHolm());
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

    /**
     * The items a method and its reference predict differently, summed over seeds, with how many of them only the
     * method and only the reference got right: "44 (+9 / −33)"; "—" when the cells record no predictions.
     */
    static String changedText(Comparison c) {
        Comparison.Changed sum = c.changedOverSeeds();
        if (sum == null) {
            return "—";
        }
        String total = String.format(Locale.ROOT, "%,d", sum.items());
        return sum.onlyARight() == null ? total
                : String.format(Locale.ROOT, "%s (+%,d / −%,d)", total, sum.onlyARight(), sum.onlyBRight());
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

    static final double MIB = 1024.0 * 1024.0;

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

    /** The seed advice as text. */
    static String seedText(Comparison c, double target, PairedStatistics.Settings s) {
        int n = c.seedsFor(target, s.alpha(), s.power());
        return n == Tests.UNMEASURED ? "?" : n == Tests.UNREACHABLE ? "more items" : Integer.toString(n);
    }

    /** {@code 1 cell}, {@code 2 cells}: a count with its noun. */
    static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
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
                            : plural(r.notStarted().size(), "cell") + " of the run had not finished: " + String.join(", ", r.notStarted()))
                    .append(". The run replaces these tables when it ends.\n\n");
        } else if (!r.notStarted().isEmpty()) {
            s.append("**Incomplete:** the run's time limit came first; ")
                    .append(r.notStarted().size() == 1 ? "1 step was not started and is"
                            : r.notStarted().size() + " steps were not started and are")
                    .append(" left for the next run: ").append(String.join(", ", r.notStarted()))
                    .append(".\n\n");
        }
        knowledgeEffectsMarkdown(r, s);
        boolean twins = hasTwins(r.study());
        boolean reused = hasReusedModels(r.study());
        for (Study.TaskEntry t : r.study().tasks()) {
            s.append("## ").append(t.name()).append(" (").append(t.metric()).append(")\n\n");
            s.append("| method | ").append(t.metric()).append(twins ? " | knowledge effect vs twin [95% CI] | p (Holm)" : "")
                    .append(reused ? " | Δ vs reused model [95% CI]" : "")
                    .append(" | Δ vs baseline [95% CI] | p (Holm) | trainable parameters | total parameters | training time | peak RSS | seeds |\n");
            s.append("|---").append("|---:".repeat(8 + (twins ? 2 : 0) + (reused ? 1 : 0))).append("|\n");
            for (StudyResults.Summary x : r.summaries()) {
                if (!x.task().equals(t.name())) {
                    continue;
                }
                String score = x.best() ? "**" + score(r, x) + "**" : score(r, x);
                s.append("| ").append(x.method()).append(" | ").append(score).append(" | ");
                if (twins) {
                    s.append(knowledgeEffect(r, x)).append(" | ").append(knowledgeEffectPHolm(r, x)).append(" | ");
                }
                if (reused) {
                    s.append(reusedModelDelta(r, x)).append(" | ");
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
        s.append("| comparison | relation | Δ [95% CI] | p | p (Holm) | survives Holm | MDE | McNemar p | changed predictions "
                + "| seeds for MDE 0.5 / 1 / 2 |\n");
        s.append("|---|---|---:|---:|---:|:---:|---:|---:|---:|---:|\n");
        for (int i : idx) {
            StudyStatistics.Planned p = st.plan().get(i);
            Comparison c = st.comparisons().get(i);
            s.append("| ").append(p.method()).append(" vs ").append(p.reference()).append(" | ").append(p.relation().label())
                    .append(" | ").append(deltaText(c)).append(" | ").append(pText(c.p())).append(" | ").append(pText(c.pHolm()))
                    .append(" | ").append(c.significant() ? SURVIVES : "no").append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", 100 * c.mde())).append(" | ")
                    .append(c.mcnemar().isEmpty() ? "—" : pText(c.mcnemarP())).append(" | ").append(changedText(c)).append(" | ")
                    .append(seedText(c, 0.005, st.settings())).append(" / ").append(seedText(c, 0.01, st.settings())).append(" / ")
                    .append(seedText(c, 0.02, st.settings())).append(" |\n");
        }
        boolean unmeasured = idx.stream().anyMatch(i -> !st.comparisons().get(i).seedVarianceMeasured());
        s.append('\n');
        if (idx.stream().anyMatch(i -> !st.comparisons().get(i).changed().isEmpty())) {
            s.append("Changed predictions: the dev items the method and its reference predict differently, summed over the seed "
                    + "pairs; (+a / −b): of those, a only the method got right, b only the reference.\n\n");
        }
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
