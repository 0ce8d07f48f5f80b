package dev.infuse.study;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The self-contained {@code report.html}: inline CSS, charts as inline SVG, no external resources. */
final class HtmlReport {
    private static final String CSS = """
            body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.4}
            h1{font-size:1.6em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
            h2{font-size:1.25em;margin-top:1.8em}
            table{border-collapse:collapse;margin:.6em 0}
            th,td{border:1px solid #ccc;padding:.3em .7em;text-align:right;overflow-wrap:anywhere}
            th{background:#f0f4f8}
            td:first-child,th:first-child{text-align:left}
            tr.best td{background:#eaf6ee}
            .failed{color:#b00020}
            .chart{margin:.8em 0}
            .chart svg{max-width:100%;height:auto;border:1px solid #eee}
            pre{background:#f6f6f6;padding:.8em;white-space:pre-wrap;font-size:.85em}
            code{font-size:.9em}
            .muted{color:#666;font-size:.9em}
            """;

    private HtmlReport() {}

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    static String render(StudyResults r, List<Charts.Chart> charts) {
        Study study = r.study();
        Map<String, Object> p = r.provenance();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>Study ").append(esc(study.name())).append("</title><style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Study: ").append(esc(study.name())).append("</h1>\n");
        var counts = r.counts();
        h.append("<p class=\"muted\">").append(study.methods().size()).append(" methods × ").append(study.tasks().size())
                .append(" tasks × ").append(study.seeds().size()).append(" seeds ").append(esc(study.seeds())).append(": ")
                .append(counts.get(CellOutcome.Status.COMPLETED)).append(" cells run, ")
                .append(counts.get(CellOutcome.Status.REUSED)).append(" reused, ")
                .append(counts.get(CellOutcome.Status.FAILED)).append(" failed")
                .append(counts.get(CellOutcome.Status.NOT_APPLICABLE) > 0
                        ? ", " + counts.get(CellOutcome.Status.NOT_APPLICABLE) + " not applicable" : "")
                .append(r.interim() ? "; interim tables, written while the run goes on: "
                        + ResultsMarkdown.plural(r.notStarted().size(), "cell") + " of the run had not finished"
                        : r.notStarted().isEmpty() ? "" : "; " + ResultsMarkdown.plural(r.notStarted().size(), "step")
                        + " not started (the run's time limit came first: left for the next run)")
                .append(". Created ").append(esc(p.get("created")))
                .append(".</p>\n");
        h.append("<p>Scores in points on the development split: mean ± sample standard deviation over seeds; the best mean ")
                .append("per task in bold; Δ against the frozen baseline (no adapters). Parameter counts are of the cell's ")
                .append("composed model: trainable (head, fusion, trained adapters and in-layer plug-ins) and total (frozen ")
                .append("backbone included). Training time: the mean over seeds of a cell's training steps; peak RSS: the largest ")
                .append("over seeds of the process's resident-set high-water mark during a cell (≤: an upper bound). Downstream ")
                .append("models: ").append(esc(ResultsMarkdown.downstreams(study))).append(".</p>\n");
        h.append("<p class=\"statistics\">").append(esc(ResultsMarkdown.statisticsIntro(r)).replace("**", "")).append("</p>\n");
        boolean twins = ResultsMarkdown.hasTwins(study);
        boolean reused = ResultsMarkdown.hasReusedModels(study);
        if (twins) {
            knowledgeEffects(h, r);
        }

        for (Study.TaskEntry t : study.tasks()) {
            h.append("<h2 id=\"task-").append(esc(t.name())).append("\">").append(esc(t.name())).append(" <span class=\"muted\">(")
                    .append(esc(t.metric())).append(")</span></h2>\n");
            h.append("<table class=\"results\" data-task=\"").append(esc(t.name())).append("\"><thead><tr><th>method</th><th>")
                    .append(esc(t.metric())).append("</th>").append(twins ? "<th>knowledge effect vs twin [95% CI]</th><th>p (Holm)</th>" : "")
                    .append(reused ? "<th>Δ vs reused model [95% CI]</th>" : "").append("<th>Δ vs baseline [95% CI]</th><th>p (Holm)</th><th>trainable parameters</th>")
                    .append("<th>total parameters</th><th>training time</th><th>peak RSS</th><th>seeds</th></tr></thead><tbody>\n");
            for (StudyResults.Summary s : r.summaries()) {
                if (!s.task().equals(t.name())) {
                    continue;
                }
                String score = esc(ResultsMarkdown.score(r, s));
                h.append("<tr data-method=\"").append(esc(s.method())).append('"').append(s.best() ? " class=\"best\"" : "")
                        .append("><td>").append(esc(s.method())).append("</td><td").append(s.n() == 0 ? " class=\"failed\"" : "")
                        .append('>').append(s.best() ? "<b>" + score + "</b>" : score).append("</td><td>")
                        .append(twins ? "<span class=\"effect\">" + esc(ResultsMarkdown.knowledgeEffect(r, s)) + "</span></td><td>"
                                + esc(ResultsMarkdown.knowledgeEffectPHolm(r, s)) + "</td><td>" : "")
                        .append(reused ? esc(ResultsMarkdown.reusedModelDelta(r, s)) + "</td><td>" : "")
                        .append(esc(ResultsMarkdown.delta(r, s))).append("</td><td>").append(esc(ResultsMarkdown.pHolm(r, s)))
                        .append("</td><td>").append(s.n() == 0 ? "—" : ResultsMarkdown.count(s.trainableParameters()))
                        .append("</td><td>").append(s.n() == 0 ? "—" : ResultsMarkdown.count(s.totalParameters()))
                        .append("</td><td>").append(s.n() == 0 ? "—" : esc(ResultsMarkdown.duration(s.trainSeconds())))
                        .append("</td><td>").append(esc(ResultsMarkdown.memory(s))).append("</td><td>").append(s.n())
                        .append(s.failed() > 0 ? " <span class=\"failed\">(" + s.failed() + " failed)</span>" : "")
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
            comparisons(h, r, t.name());
            for (Charts.Chart c : charts) {
                if (c.name().equals("scores-" + t.name()) || c.name().equals("curves-" + t.name())
                        || c.name().equals("deltas-" + t.name())) {
                    h.append("<figure class=\"chart\" data-chart=\"").append(esc(c.name())).append("\">").append(c.svgElement())
                            .append("<figcaption class=\"muted\">").append(esc(c.title())).append(" — also <code>charts/")
                            .append(esc(c.name())).append(".png</code> and <code>.svg</code></figcaption></figure>\n");
                }
            }
        }

        StudyStatistics st = r.statistics();
        if (!st.problems().isEmpty()) {
            h.append("<h2>Comparisons not made</h2>\n<ul class=\"statistics-problems\">\n");
            for (String x : st.problems()) {
                h.append("<li class=\"failed\">").append(esc(x)).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        if (!st.reruns().isEmpty()) {
            h.append("<h2>Reruns that moved beyond their interval</h2>\n<ul class=\"reruns\">\n");
            for (StudyStatistics.Rerun x : st.reruns()) {
                h.append("<li class=\"failed\"><code>").append(esc(x.cell())).append("</code>: ").append(esc(String.format(Locale.ROOT,
                        "%.2f before, %.2f now, outside its 95%% item-level interval [%.2f, %.2f]", 100 * x.previous(),
                        100 * x.now(), 100 * x.low(), 100 * x.high()))).append("; before: ")
                        .append(esc(x.previousEnvironment() == null ? "environment not recorded" : x.previousEnvironment()))
                        .append("; now: ").append(esc(x.environment() == null ? "environment not recorded" : x.environment()))
                        .append("</li>\n");
            }
            h.append("</ul>\n");
        }

        List<StudyResults.CellResult> na = r.cells().stream().filter(c -> c.status() == CellOutcome.Status.NOT_APPLICABLE)
                .filter(c -> c.seed() == study.seeds().get(0)).toList();
        if (!na.isEmpty()) {
            h.append("<h2>Not applicable</h2>\n<ul class=\"not-applicable\">\n");
            for (StudyResults.CellResult c : na) {
                h.append("<li><code>").append(esc(c.method() + "/" + c.task())).append("</code>: ").append(esc(c.error()))
                        .append("</li>\n");
            }
            h.append("</ul>\n");
        }

        List<StudyResults.CellResult> failed = r.failedCells();
        if (!failed.isEmpty()) {
            h.append("<h2>Failed cells</h2>\n<ul class=\"failed-cells\">\n");
            for (StudyResults.CellResult c : failed) {
                h.append("<li class=\"failed\"><code>").append(esc(c.method() + "/" + c.task() + "/seed-" + c.seed()))
                        .append("</code>: error[").append(esc(c.errorCode())).append("]: ").append(esc(c.error())).append("</li>\n");
            }
            h.append("</ul>\n<p class=\"muted\">A rerun of the study retries failed cells and keeps the completed ones.</p>\n");
        }
        if (!r.pretrainings().isEmpty()) {
            h.append("<h2>Pretraining</h2>\n<table><thead><tr><th>step</th><th>task</th><th>seed</th><th>status</th></tr></thead><tbody>\n");
            for (CellOutcome o : r.pretrainings()) {
                h.append("<tr><td>").append(esc(o.cell().method())).append("</td><td>").append(esc(o.cell().task()))
                        .append("</td><td>").append(o.cell().seed()).append("</td><td").append(o.error() != null ? " class=\"failed\"" : "")
                        .append('>').append(esc(o.status().name().toLowerCase(Locale.ROOT)))
                        .append(o.error() != null ? ": error[" + esc(o.errorCode()) + "]: " + esc(o.error()) : "").append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }

        h.append("<h2>Provenance</h2>\n<table class=\"provenance\"><tbody>\n");
        Map<String, Object> bb = (Map<String, Object>) p.get("backbone");
        Map<String, Object> versions = (Map<String, Object>) p.get("versions");
        Map<String, Object> machine = (Map<String, Object>) p.get("machine");
        kv(h, "study file", p.get("study_file") + " (sha256 " + p.get("study_sha256") + ")");
        kv(h, "backbone", bb.get("name") + " " + bb.get("config"));
        kv(h, "backbone fingerprint", bb.get("fingerprint"));
        kv(h, "data folder", p.get("data_folder"));
        kv(h, "Infuse", versions.get("infuse") + ", SPI " + versions.get("spi"));
        kv(h, "Java", versions.get("java"));
        kv(h, "OS", versions.get("os"));
        kv(h, "machine", machine.get("cores") + " cores, " + String.format(Locale.ROOT, "%.1f GiB",
                ((Number) machine.get("memory_bytes")).doubleValue() / (1L << 30)) + "; " + machine.get("executor")
                + (machine.get("parallel_cells") != null ? ", " + machine.get("parallel_cells") + " cell(s) at once" : ""));
        kv(h, "plugins", String.join("; ", (List<String>) versions.get("plugins")));
        h.append("</tbody></table>\n");
        h.append("<h3>Data files</h3>\n<table class=\"data-files\"><thead><tr><th>task</th><th>file</th><th>SHA-256</th><th>bytes</th></tr></thead><tbody>\n");
        for (Map<String, Object> d : (List<Map<String, Object>>) p.get("data")) {
            h.append("<tr><td>").append(esc(d.get("task"))).append("</td><td>").append(esc(d.getOrDefault("path", "")))
                    .append("</td><td><code>").append(esc(d.containsKey("sha256") ? d.get("sha256") : d.get("error")))
                    .append("</code></td><td>").append(d.containsKey("bytes") ? ResultsMarkdown.count(((Number) d.get("bytes")).longValue()) : "")
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n<h3>Study file</h3>\n<pre class=\"config\">").append(esc(p.get("config"))).append("</pre>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The headline of a study with twins: every method's knowledge effect (method − its twin) on every task. */
    private static void knowledgeEffects(StringBuilder h, StudyResults r) {
        Study study = r.study();
        h.append("<h2 id=\"knowledge-effects\">Knowledge effects</h2>\n<p>")
                .append(esc(ResultsMarkdown.KNOWLEDGE_EFFECT_TEXT).replace("`", "")).append("</p>\n");
        h.append("<table class=\"results knowledge-effects\"><thead><tr><th>task</th><th>method</th><th>twin</th>")
                .append("<th>method score</th><th>twin score</th><th>knowledge effect [95% CI]</th><th>p</th><th>p (Holm)</th>")
                .append("<th>survives Holm</th></tr></thead><tbody>\n");
        for (Study.TaskEntry t : study.tasks()) {
            for (Study.Method m : study.methods()) {
                Study.Method twin = study.twin(m.name());
                if (twin == null) {
                    continue;
                }
                dev.infuse.stats.Comparison c = r.statistics().knowledgeEffect(t.name(), m.name());
                boolean ok = c != null && c.ok();
                h.append("<tr data-task=\"").append(esc(t.name())).append("\" data-method=\"").append(esc(m.name())).append('"')
                        .append(ok && c.significant() ? " class=\"best\"" : "").append("><td>").append(esc(t.name()))
                        .append("</td><td>").append(esc(m.name())).append("</td><td>").append(esc(twin.name())).append("</td><td>")
                        .append(esc(ResultsMarkdown.scoreOf(r, t.name(), m.name()))).append("</td><td>")
                        .append(esc(ResultsMarkdown.scoreOf(r, t.name(), twin.name()))).append("</td><td>")
                        .append(ok ? esc(ResultsMarkdown.deltaText(c)) : "—").append("</td><td>").append(ok ? esc(ResultsMarkdown.pText(c.p())) : "—")
                        .append("</td><td>").append(ok ? esc(ResultsMarkdown.pText(c.pHolm())) : "—").append("</td><td>")
                        .append(ok ? (c.significant() ? ResultsMarkdown.SURVIVES : "no") : "—").append("</td></tr>\n");
            }
        }
        h.append("</tbody></table>\n");
    }

    private static void comparisons(StringBuilder h, StudyResults r, String task) {
        StudyStatistics st = r.statistics();
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < st.plan().size(); i++) {
            StudyStatistics.Planned p = st.plan().get(i);
            dev.infuse.stats.Comparison c = st.comparisons().get(i);
            if (!p.task().equals(task) || !c.ok()) {
                continue;
            }
            rows.append("<tr data-method=\"").append(esc(p.method())).append("\" data-reference=\"").append(esc(p.reference()))
                    .append('"').append(c.significant() ? " class=\"best\"" : "").append("><td>").append(esc(p.method() + " vs "
                    + p.reference())).append("</td><td>").append(esc(p.relation().label())).append("</td><td>")
                    .append(esc(ResultsMarkdown.deltaText(c))).append("</td><td>").append(esc(ResultsMarkdown.pText(c.p())))
                    .append("</td><td>").append(esc(ResultsMarkdown.pText(c.pHolm()))).append("</td><td>")
                    .append(c.significant() ? ResultsMarkdown.SURVIVES : "no").append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f", 100 * c.mde())).append("</td><td>")
                    .append(c.mcnemar().isEmpty() ? "—" : esc(ResultsMarkdown.pText(c.mcnemarP()))).append("</td><td>")
                    .append(esc(ResultsMarkdown.changedText(c))).append("</td><td>")
                    .append(esc(ResultsMarkdown.seedText(c, 0.005, st.settings()) + " / " + ResultsMarkdown.seedText(c, 0.01, st.settings())
                            + " / " + ResultsMarkdown.seedText(c, 0.02, st.settings()))).append("</td></tr>\n");
        }
        if (rows.length() == 0) {
            return;
        }
        h.append("<table class=\"comparisons\" data-task=\"").append(esc(task)).append("\"><thead><tr><th>comparison</th>")
                .append("<th>relation</th><th>Δ [95% CI]</th><th>p</th><th>p (Holm)</th><th>survives Holm</th><th>MDE</th>")
                .append("<th>McNemar p</th><th title=\"dev items the method and its reference predict differently, summed over seed pairs; (+a / −b): a only the method got right, b only the reference\">changed predictions</th><th>seeds for MDE 0.5 / 1 / 2</th></tr></thead><tbody>\n").append(rows)
                .append("</tbody></table>\n");
    }

    private static void kv(StringBuilder h, String k, Object v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }
}
