package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How far a study has got: each step of the study — knowledge graphs, pretraining steps, cells — in the order a
 * run takes them, with what its output folder holds for it. Read from the folder alone, without running anything
 * or loading a model, so it answers at once while a long study runs (or between the sessions that run it):
 * {@code infuse study STUDY --out DIR --status}.
 *
 * <p>A step is {@linkplain State#DONE done} when its folder is complete for this study file (the same recipe a run
 * checks), {@linkplain State#RESUMABLE resumable} when a checkpoint of the same recipe holds finished epochs, and
 * {@linkplain State#STALE stale} when it was written with another configuration (a rerun runs it again).
 */
public final class StudyStatus {
    private StudyStatus() {}

    /** What a rerun does with a step. */
    public enum State {
        /** Complete for this study file: a rerun reuses it. */
        DONE,
        /** Being run now, by the run that holds the folder's lock ({@link #running(Path)}). */
        RUNNING,
        /** Stopped after a finished epoch: a rerun resumes it there. */
        RESUMABLE,
        /** Complete, but for another configuration of the study: a rerun runs it again. */
        STALE,
        /** A pretraining step not done whose cells are all done: a rerun skips it. */
        NOT_NEEDED,
        /** Not started: a rerun runs it. */
        TO_RUN;

        /** The state in words, as printed: {@code done}, {@code running}, {@code resumable}, {@code stale}, {@code not needed}, {@code to run}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * One step of the study.
     *
     * @param label the step, as the run's log names it ({@code pretraining factual/factual on trex-rc},
     *     {@code lora/semeval/seed-2}, {@code knowledge graph full})
     * @param state what a rerun does with it
     * @param detail what its folder holds, for people: the score of a done cell, the last finished epoch of a
     *     resumable one; empty when there is nothing to say
     * @param secondsLeft an estimate of the time a rerun spends on it: 0 when done or not needed; otherwise from the mean
     *     time of the done steps of the same method and task (or pretraining step, over its seeds), a knowledge-ablated
     *     twin counting as its method; a cell with none of its method done, from the done cells of its task that do the same
     *     kind of work (only evaluate a reused frozen model; train in-layer plug-ins through the backbone; train knowledge
     *     plug-ins; train a head beside frozen ones) — for a step part-way through, the share of its epochs left; for a resumable or
     *     running step with none of its kind done, its own mean epoch time (training only) × the epochs left;
     *     {@code NaN} when there is nothing to estimate it from
     */
    public record Step(String label, State state, String detail, double secondsLeft) {
        /** The estimate in words ({@code ~12 min left}), or empty when there is none or nothing is left. */
        public String left() {
            return secondsLeft > 0 ? "~" + duration(secondsLeft) + " left" : "";
        }
    }

    /**
     * The run writing into the study's output folder {@code out} now, as {@code pid 4242, started 2026-12-06T18:40:00Z}, or
     * null when none is (a run holds the folder's lock while it runs; a second run into it is refused).
     */
    public static String running(Path out) {
        return StudyLock.holder(out);
    }

    /**
     * The steps a run of the slice {@code options} selects ({@link StudyRunner.Options#methods()}, {@link
     * StudyRunner.Options#tasks()}; its time limit plays no part): its cells, the pretraining steps they need, and the
     * knowledge graphs. Estimated as in {@link #of(Study, Path)}, from every done step of the study.
     *
     * @throws dev.infuse.api.InfuseException {@code config-unknown-method} or {@code config-unknown-task} naming a method or
     *     task of the options that is not in the study
     */
    public static List<Step> of(Study study, Path out, StudyRunner.Options options) {
        java.util.function.Predicate<Cell> selected = StudyGrid.selection(study, options);
        Set<String> labels = new HashSet<>();
        for (Cell c : StudyGrid.cells(study, out)) {
            if (selected.test(c)) {
                labels.add(c.label());
                for (Study.Pretraining p : study.method(c.method()).pretrainings(c.seed())) {
                    labels.add(new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), null).label());
                }
            }
        }
        return of(study, out).stream().filter(s -> s.label().startsWith("knowledge graph ") || labels.contains(s.label())).toList();
    }

    /** Every step of {@code study} in run order, with its state in the output folder {@code out}. */
    public static List<Step> of(Study study, Path out) {
        boolean live = running(out) != null; // without a live run, an unfinished step's temporary folder is a leftover
        List<Found> found = new ArrayList<>();
        for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
            found.add(find(live, "knowledge graph " + g.name(), "knowledge graph " + g.name(), KnowledgeGraphs.folder(out, g.name()),
                    Recipes.recipe(g), 0));
        }
        List<Cell> cells = StudyGrid.cells(study, out);
        if (cells.stream().anyMatch(c -> !StepFolders.done(study, c))) { // the graphs' weights are needed again
            found.replaceAll(StudyStatus::rerunIfImported);
        }
        Set<String> listed = new HashSet<>();
        for (List<Cell> group : StudyGrid.groups(study, cells)) {
            Set<Path> reusedModels = StudyGrid.reusedModelsToRun(study, out, group);
            Map<Cell, Found> cellSteps = new LinkedHashMap<>();
            Map<Study.Pretraining, Boolean> needed = new LinkedHashMap<>(); // the group's pretrainings: whether a cell waits for it
            for (Cell c : group) {
                Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
                Found f = find(live, c.label(), kind(study, c.method()) + "/" + c.task(), c.folder(), Recipes.recipe(study, c),
                        study.method(c.method()).budget(t).epochs()).orLike(TASK + c.task() + " " + work(study, study.method(c.method())));
                cellSteps.put(c, reusedModels.contains(c.folder()) ? rerunIfImported(f) : f);
                for (Study.Pretraining p : study.method(c.method()).pretrainings(c.seed())) {
                    needed.merge(p, f.step().state() != State.DONE, Boolean::logicalOr);
                }
            }
            for (Study.Pretraining p : study.pretrainings()) { // in the study's order, each once
                if (needed.containsKey(p) && listed.add(p.id())) {
                    Cell c = new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), StudyGrid.pretrainingFolder(out, p));
                    String method = p.id().contains("/") ? p.id().substring(0, p.id().indexOf('/')) : p.id(); // <method>/<adapter>
                    String kind = "pretraining " + kind(study, method) + p.id().substring(method.length()).replaceFirst("/seed-\\d+$", "");
                    Found f = find(live, c.label(), kind, c.folder(), Recipes.recipe(study, c), p.budget().epochs());
                    State state = f.step().state();
                    found.add(state != State.DONE && state != State.RUNNING && !needed.get(p) // a run pretrains only for cells to run
                            ? new Found(new Step(c.label(), State.NOT_NEEDED, "its cells are done", 0), f.kind(), Double.NaN)
                            : needed.get(p) ? rerunIfImported(f) : f);
                }
            }
            for (List<Cell> wave : StudyGrid.waves(study, group)) {
                wave.forEach(c -> found.add(cellSteps.get(c)));
            }
        }
        // A step not started is estimated from the done steps of its kind: the same method (a twin's trains as its method)
        // and task, or the same pretraining step over the seeds; a cell with none of its kind done, from the done cells
        // of the same task that do the same kind of work (work(): other methods share its data, epochs and backbone: a
        // rough estimate, but a time limit needs one).
        Map<String, double[]> doneSeconds = new LinkedHashMap<>(); // kind (or "task <name>") -> {sum, count}
        for (Found f : found) {
            if (f.step().state() == State.DONE && Double.isFinite(f.seconds())) {
                for (String kind : f.fallback() == null ? List.of(f.kind()) : List.of(f.kind(), f.fallback())) {
                    double[] a = doneSeconds.computeIfAbsent(kind, k -> new double[2]);
                    a[0] += f.seconds();
                    a[1]++;
                }
            }
        }
        List<Step> steps = new ArrayList<>();
        for (Found f : found) {
            Step s = f.step();
            double[] a = doneSeconds.get(f.kind());
            double mean = a == null ? Double.NaN : a[0] / a[1];
            boolean notStarted = s.state() == State.TO_RUN || s.state() == State.STALE
                    || s.state() == State.RUNNING && Double.isNaN(s.secondsLeft());
            if (notStarted && Double.isNaN(mean) && Double.isNaN(s.secondsLeft()) && f.fallback() != null) {
                double[] t = doneSeconds.get(f.fallback());
                mean = t == null ? Double.NaN : t[0] / t[1];
            }
            if (notStarted) {
                steps.add(new Step(s.label(), s.state(), s.detail(), Double.isNaN(mean) ? s.secondsLeft() : mean));
            } else if (!Double.isNaN(mean) && !Double.isNaN(f.shareLeft())) {
                // Part-way through: the done steps' time includes what its own epoch times leave out (the evaluation after
                // each epoch, loading, saving), so it is the better estimate when there is one.
                steps.add(new Step(s.label(), s.state(), s.detail(), mean * f.shareLeft()));
            } else {
                steps.add(s);
            }
        }
        return steps;
    }

    /**
     * The time a rerun of the study will spend, estimated ({@link Step#secondsLeft()}): the sum over the steps that have an
     * estimate, and how many steps to run have none.
     */
    public record TimeLeft(double seconds, int unestimated) {}

    /** The sum of the steps' estimates, and how many steps a rerun runs without one. */
    public static TimeLeft timeLeft(List<Step> steps) {
        double seconds = 0;
        int unknown = 0;
        for (Step s : steps) {
            if (Double.isNaN(s.secondsLeft())) {
                unknown++;
            } else {
                seconds += s.secondsLeft();
            }
        }
        return new TimeLeft(seconds, unknown);
    }

    /**
     * The steps in one line: how many in each state and the time left, e.g. {@code 27 steps: 15 done, 1 resumable, 11 to
     * run; ~2 h 10 min left (estimated from the done steps), 3 steps with nothing of their kind done to estimate from}.
     */
    public static String summary(List<Step> steps) {
        StringBuilder b = new StringBuilder().append(steps.size()).append(steps.size() == 1 ? " step: " : " steps: ").append(String.join(", ",
                counts(steps).entrySet().stream().filter(e -> e.getValue() > 0).map(e -> e.getValue() + " " + e.getKey().label()).toList()));
        TimeLeft t = timeLeft(steps);
        if (t.seconds() > 0) {
            b.append("; ~").append(duration(t.seconds())).append(" left (estimated from the done steps of the same method and task, "
                    + "or task and kind of work, or a resumable step's own epochs)");
        }
        if (t.unestimated() > 0) {
            b.append(t.seconds() > 0 ? ", " : "; ").append(t.unestimated()).append(t.unestimated() == 1 ? " step" : " steps")
                    .append(" with nothing of their kind done to estimate from");
        }
        return b.toString();
    }

    /** {@code 1 h 05 min}, {@code 12 min}, {@code 40 s}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60) : s >= 60 ? s / 60 + " min" : s + " s";
    }

    /** How many steps are in each state, every state named (zero included), in the enum's order. */
    public static Map<State, Integer> counts(List<Step> steps) {
        Map<State, Integer> counts = new LinkedHashMap<>();
        for (State s : State.values()) {
            counts.put(s, (int) steps.stream().filter(x -> x.state() == s).count());
        }
        return counts;
    }

    /**
     * A done step imported without its weights ({@link StudyArchive}) that a step left to run needs: a run trains it again.
     * Its own time, from its metrics, is the estimate.
     */
    private static Found rerunIfImported(Found f) {
        Path folder = f.folder();
        if (f.step().state() != State.DONE || folder == null || !StudyArchive.weightsRemoved(folder)) {
            return f;
        }
        return new Found(new Step(f.step().label(), State.TO_RUN, "imported without its weights, which steps left to run need: "
                + "runs again (was " + f.step().detail() + ")", f.seconds()), f.kind(), Double.NaN, Double.NaN, folder);
    }

    /** The method whose steps take as long as this one's: a knowledge-ablated twin trains exactly as its method. */
    private static String kind(Study study, String method) {
        Study.Method m = study.method(method);
        return m != null && m.isTwin() ? m.twinOf() : method;
    }

    /** The estimate kind a cell falls back on: the done cells of its task that do the same kind of work ({@link #work}). */
    private static final String TASK = "task ";

    /**
     * What a method's cells spend their time on, for a cell with none of its own method done: only evaluating (a reused
     * model kept frozen, nothing trainable), training through the backbone (in-layer plug-ins, trained or reused and
     * trained further), training knowledge plug-ins (with the head), or training a head beside frozen plug-ins. Cells of
     * different kinds differ by orders of magnitude (seconds for a head over cached activations, an hour for a LoRA
     * through the backbone, a minute for an evaluation): borrowing an estimate across kinds misleads a time limit more
     * than having none.
     */
    private static String work(Study study, Study.Method m) {
        boolean trainsAdapters = m.adapters().stream().anyMatch(a -> a.mode() == Study.Mode.TRAIN);
        Study.Downstream d = m.downstream();
        Study.Method reused = d.from() == null ? null : study.method(d.from());
        if (d.from() != null && d.frozen() && !trainsAdapters) {
            return "evaluating";
        }
        boolean inLayer = !d.layerPlugins().isEmpty()
                || reused != null && !d.frozen() && !reused.downstream().layerPlugins().isEmpty();
        return inLayer ? "in-layer" : trainsAdapters ? "plug-in training" : "head training";
    }

    /**
     * A step as found: its kind (what its time is estimated from), the kind it falls back on when none of its own is done
     * (null for none), the time it took when done, and for a step part-way through its training the share of epochs left.
     */
    private record Found(Step step, String kind, String fallback, double seconds, double shareLeft, Path folder) {
        Found(Step step, String kind, double seconds) {
            this(step, kind, null, seconds, Double.NaN, null);
        }

        Found(Step step, String kind, double seconds, double shareLeft, Path folder) {
            this(step, kind, null, seconds, shareLeft, folder);
        }

        Found orLike(String fallbackKind) {
            return new Found(step, kind, fallbackKind, seconds, shareLeft, folder);
        }
    }

    private static Found find(boolean live, String label, String kind, Path folder, String recipe, int epochs) {
        if (StepFolders.complete(folder)) {
            if (!StepFolders.writtenFor(folder, recipe)) {
                return new Found(new Step(label, State.STALE, "written with another configuration of the study: runs again", Double.NaN),
                        kind, Double.NaN);
            }
            JsonNode m = readJson(folder.resolve("metrics.json"));
            return new Found(new Step(label, State.DONE, result(m), 0), kind, took(m), Double.NaN, folder);
        }
        Path checkpoint = StepFolders.checkpointFolder(folder);
        JsonNode state = readJson(checkpoint.resolve("training").resolve("checkpoint.json"));
        int epoch = state == null ? 0 : state.path("epoch").asInt();
        boolean resumable = state != null && StepFolders.checkpointFor(checkpoint, recipe) && epoch > 0;
        boolean running = live && inProgress(folder);
        if (!resumable) {
            return new Found(new Step(label, running ? State.RUNNING : State.TO_RUN, running ? "before the end of its first epoch" : "",
                    Double.NaN), kind, Double.NaN);
        }
        double perEpoch = 0;
        for (JsonNode e : state.path("history")) {
            perEpoch += e.path("seconds").asDouble() / epoch;
        }
        double left = epochs > epoch && perEpoch > 0 ? perEpoch * (epochs - epoch) : epochs > 0 ? 0 : Double.NaN;
        return new Found(new Step(label, running ? State.RUNNING : State.RESUMABLE, "after epoch " + epoch + (epochs > 0 ? " of " + epochs : "")
                + String.format(Locale.ROOT, " (best so far %.2f, epoch %d)", 100 * state.path("best_score").asDouble(),
                        state.path("best_epoch").asInt()), left), kind, Double.NaN,
                epochs > 0 ? Math.max(0, epochs - epoch) / (double) epochs : Double.NaN, null);
    }

    /** Whether a step's temporary folder ({@code <folder>.tmp-<id>}, renamed into place when it completes) exists. */
    private static boolean inProgress(Path folder) {
        Path parent = folder.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return false;
        }
        String prefix = folder.getFileName() + StepFolders.TMP;
        try (var siblings = Files.list(parent)) {
            return siblings.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
        } catch (IOException e) {
            return false;
        }
    }

    /** A complete folder's result in a few words: the primary metric, its best epoch, or why it is n/a. */
    private static String result(JsonNode m) {
        if (m == null) {
            return "";
        }
        if (m.hasNonNull("not_applicable")) {
            return "n/a: " + m.path("not_applicable").asText();
        }
        String metric = m.path("primary_metric").asText("");
        JsonNode value = m.path("metrics").path(metric);
        if (metric.isEmpty() || !value.isNumber()) {
            return "";
        }
        int best = m.path("best_epoch").asInt();
        return String.format(Locale.ROOT, "%s %.2f", metric, 100 * value.asDouble()) + (best > 0 ? " (best epoch " + best + ")" : "");
    }

    /**
     * The time a done step took: its run's seconds, or the sum of its epochs' when larger (a resumed run's seconds count
     * only the process that finished it); {@code NaN} when its metrics name none.
     */
    private static double took(JsonNode m) {
        if (m == null || !m.path("seconds").isNumber()) {
            return Double.NaN;
        }
        double epochs = 0;
        for (JsonNode e : m.path("epochs")) {
            epochs += e.path("seconds").asDouble();
        }
        return Math.max(m.path("seconds").asDouble(), epochs);
    }

    private static JsonNode readJson(Path file) {
        try {
            return Files.isRegularFile(file) ? Io.JSON.readTree(file.toFile()) : null;
        } catch (IOException e) {
            return null; // being written, or damaged: the step is not done; a run says why when it gets there
        }
    }
}
