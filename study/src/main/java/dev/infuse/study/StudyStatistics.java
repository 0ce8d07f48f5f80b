package dev.infuse.study;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.InfuseException;
import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The paired statistics of a study (see {@code docs/STATISTICS.md}): every method against the
 * baseline, against its knowledge-ablated twin (the knowledge effect) and against each of its controls, on
 * every task, from the cells' per-item outcomes
 * ({@code outcomes.json}); Holm–Bonferroni over all of them together.
 *
 * @param settings resamples, seed, α and power used
 * @param plan the comparisons asked for, in report order
 * @param comparisons their results, in the same order ({@link Comparison#ok()} false for those that could not be made)
 * @param cells each cell's metric with its item-level bootstrap interval, by {@link #cellKey}
 * @param problems one line per problem ({@code error[code]: …}), e.g. the cells without outcomes; the rest of the report stands
 * @param reruns cells rerun with the same recipe whose value moved beyond their interval
 */
public record StudyStatistics(PairedStatistics.Settings settings, List<Planned> plan, List<Comparison> comparisons,
        Map<String, PairedStatistics.RunInterval> cells, List<String> problems, List<Rerun> reruns) {

    public StudyStatistics {
        plan = List.copyOf(plan);
        comparisons = List.copyOf(comparisons);
        cells = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cells));
        problems = List.copyOf(problems);
        reruns = List.copyOf(reruns);
    }

    /** Why two methods are compared. A new relation adds a constant and a rule in {@link #plan}. */
    public enum Relation {
        /** Against the frozen baseline. */
        BASELINE,
        /**
         * Against its knowledge-ablated twin ({@code <method>-twin}, trained identically without the evaluated
         * knowledge): the difference is the method's <em>knowledge effect</em>.
         */
        TWIN,
        /** Against a control: a method whose adapters have the same shapes, all at random weights ({@code mode: control}). */
        CONTROL,
        /**
         * Against the downstream model the method reuses ({@code downstream: {from: X}}, X not the baseline): what the
         * method's plug-in adds to the model it is plugged into — map-tuning's plug-and-play question.
         */
        DOWNSTREAM;

        /** Lower-case label used in files. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A comparison of the study.
     *
     * @param task the task
     * @param method the method whose gain is measured
     * @param reference what it is compared against
     * @param relation why
     */
    public record Planned(String task, String method, String reference, Relation relation) {
        /** The comparison's id, e.g. {@code semeval: factual vs factual-control}. */
        public String id() {
            return task + ": " + method + " vs " + reference;
        }
    }

    /**
     * A cell whose rerun (same recipe) moved beyond its 95% item-level interval.
     *
     * @param cell the cell ({@code method/task/seed-n})
     * @param previous its value in the previous report
     * @param now its value now
     * @param low lower end of its current interval
     * @param high upper end
     * @param previousEnvironment where the previous value was computed ({@link dev.infuse.api.RunEnvironment#summary}), or null
     * @param environment where the current one was
     */
    public record Rerun(String cell, double previous, double now, double low, double high, String previousEnvironment,
            String environment) {}

    /** No statistics (nothing to compare). */
    static StudyStatistics empty(PairedStatistics.Settings settings) {
        return new StudyStatistics(settings, List.of(), List.of(), Map.of(), List.of(), List.of());
    }

    /** The key of a cell: {@code method/task/seed-n}. */
    public static String cellKey(String method, String task, long seed) {
        return method + "/" + task + "/seed-" + seed;
    }

    /** The knowledge effect of a method on a task (the comparison against its twin), or null when it has none. */
    public Comparison knowledgeEffect(String task, String method) {
        for (int i = 0; i < plan.size(); i++) {
            Planned p = plan.get(i);
            if (p.relation() == Relation.TWIN && p.task().equals(task) && p.method().equals(method)) {
                return comparisons.get(i);
            }
        }
        return null;
    }

    /** The comparison of a method against a reference on a task, or null. */
    public Comparison find(String task, String method, String reference) {
        for (int i = 0; i < plan.size(); i++) {
            Planned p = plan.get(i);
            if (p.task().equals(task) && p.method().equals(method) && p.reference().equals(reference)) {
                return comparisons.get(i);
            }
        }
        return null;
    }

    /**
     * The comparisons a study makes: on each task, each method against the baseline, then against its
     * knowledge-ablated twin (the knowledge effect), then against each of its controls. A twin is compared
     * with the baseline only (against the controls it would answer no question of the study).
     */
    public static List<Planned> plan(Study study) {
        List<Planned> out = new ArrayList<>();
        for (Study.TaskEntry t : study.tasks()) {
            for (Study.Method m : study.methods()) {
                if (m.name().equals(Study.BASELINE)) {
                    continue;
                }
                out.add(new Planned(t.name(), m.name(), Study.BASELINE, Relation.BASELINE));
                String from = m.downstream().from();
                if (from != null && !from.equals(Study.BASELINE) && study.method(from) != null) {
                    out.add(new Planned(t.name(), m.name(), from, Relation.DOWNSTREAM));
                }
                if (m.isTwin()) {
                    continue;
                }
                Study.Method twin = study.twin(m.name());
                if (twin != null) {
                    out.add(new Planned(t.name(), m.name(), twin.name(), Relation.TWIN));
                }
                for (String c : controls(study, m)) {
                    out.add(new Planned(t.name(), m.name(), c, Relation.CONTROL));
                }
            }
        }
        return out;
    }

    /**
     * The controls of a method: the other methods whose adapters are all {@code mode: control} and have
     * the same shapes (plugin and configuration, or artifact) as the method's, as a multiset. A method
     * made only of controls has none.
     */
    static List<String> controls(Study study, Study.Method m) {
        if (m.adapters().isEmpty() || m.adapters().stream().allMatch(a -> a.mode() == Study.Mode.CONTROL)) {
            return List.of();
        }
        List<String> shape = shapes(m);
        List<String> out = new ArrayList<>();
        for (Study.Method c : study.methods()) {
            if (c != m && !c.adapters().isEmpty() && c.adapters().stream().allMatch(a -> a.mode() == Study.Mode.CONTROL)
                    && shapes(c).equals(shape)) {
                out.add(c.name());
            }
        }
        return out;
    }

    private static List<String> shapes(Study.Method m) {
        return m.adapters().stream().map(a -> a.artifact() != null ? "artifact " + a.artifact().toAbsolutePath().normalize()
                : a.adapter() + " " + new TreeMap<>(a.config())).sorted().toList();
    }

    /** Reads the cells' outcomes and runs every planned comparison; never throws for a cell's problem. */
    static StudyStatistics analyse(Study study, Path out, List<StudyResults.CellResult> cells, PairedStatistics.Settings settings) {
        Map<String, PairedStatistics.Run> runs = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (StudyResults.CellResult c : cells) {
            if (c.status() == CellOutcome.Status.FAILED || c.status() == CellOutcome.Status.NOT_APPLICABLE) {
                continue;
            }
            String key = cellKey(c.method(), c.task(), c.seed());
            Path file = StudyGrid.cellFolder(out, c.method(), c.task(), c.seed()).resolve(Outcomes.FILE_NAME);
            if (!Files.isRegularFile(file)) {
                missing.add("cells/" + key);
                continue;
            }
            try {
                runs.put(key, new PairedStatistics.Run("cells/" + key, Outcomes.read(file)));
            } catch (InfuseException e) {
                problems.add("error[" + e.code() + "]: " + e.getMessage());
            }
        }
        if (!missing.isEmpty()) {
            problems.add(0, "error[data-missing]: " + missing.size() + (missing.size() == 1 ? " cell has" : " cells have")
                    + " no per-item outcomes (" + Outcomes.FILE_NAME + "), so no interval or test involves "
                    + (missing.size() == 1 ? "it" : "them") + ": " + String.join(", ", missing)
                    + "; they were run before Infuse wrote per-item outcomes: delete these cell folders and rerun the study");
        }
        List<Planned> plan = plan(study);
        List<Planned> asked = new ArrayList<>();
        List<PairedStatistics.Request> requests = new ArrayList<>();
        for (Planned p : plan) {
            List<PairedStatistics.Run> a = new ArrayList<>();
            List<PairedStatistics.Run> b = new ArrayList<>();
            for (long seed : study.seeds()) {
                PairedStatistics.Run ra = runs.get(cellKey(p.method(), p.task(), seed));
                PairedStatistics.Run rb = runs.get(cellKey(p.reference(), p.task(), seed));
                if (ra != null && rb != null) {
                    a.add(ra);
                    b.add(rb);
                }
            }
            if (a.isEmpty()) {
                continue; // failed, not applicable or without outcomes: already reported
            }
            asked.add(p);
            requests.add(new PairedStatistics.Request(p.id(), p.relation().label(), new PairedStatistics.Arm(p.method(), a),
                    new PairedStatistics.Arm(p.reference(), b)));
        }
        PairedStatistics.Analysis analysis = PairedStatistics.analyse(requests, settings);
        for (Comparison c : analysis.comparisons()) {
            if (!c.ok()) {
                problems.add("error[" + c.errorCode() + "]: " + c.error());
            }
        }
        // Every cell with outcomes gets its item-level interval, compared or not.
        Map<String, PairedStatistics.RunInterval> intervals = new LinkedHashMap<>();
        List<PairedStatistics.Request> singles = new ArrayList<>();
        for (Map.Entry<String, PairedStatistics.Run> e : runs.entrySet()) {
            String label = e.getValue().label();
            PairedStatistics.RunInterval ri = analysis.runs().get(label);
            if (ri != null) {
                intervals.put(e.getKey(), ri);
            } else {
                PairedStatistics.Arm arm = new PairedStatistics.Arm(e.getKey(), List.of(e.getValue()));
                singles.add(new PairedStatistics.Request(e.getKey(), "self", arm, arm));
            }
        }
        if (!singles.isEmpty()) {
            PairedStatistics.Analysis own = PairedStatistics.analyse(singles, settings);
            for (Map.Entry<String, PairedStatistics.Run> e : runs.entrySet()) {
                PairedStatistics.RunInterval ri = own.runs().get(e.getValue().label());
                if (ri != null) {
                    intervals.put(e.getKey(), ri);
                }
            }
        }
        return new StudyStatistics(settings, asked, analysis.comparisons(), intervals, problems, List.of());
    }

    /** The same with the rerun flags. */
    StudyStatistics withReruns(List<Rerun> r) {
        return new StudyStatistics(settings, plan, comparisons, cells, problems, r);
    }
}
