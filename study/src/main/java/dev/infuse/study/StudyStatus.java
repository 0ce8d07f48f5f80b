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
        /** Stopped after a finished epoch: a rerun resumes it there. */
        RESUMABLE,
        /** Complete, but for another configuration of the study: a rerun runs it again. */
        STALE,
        /** A pretraining step every cell reading it is done without: a rerun skips it. */
        NOT_NEEDED,
        /** Not started: a rerun runs it. */
        TO_RUN;

        /** The state in words, as printed: {@code done}, {@code resumable}, {@code stale}, {@code not needed}, {@code to run}. */
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
     */
    public record Step(String label, State state, String detail) {}

    /** Every step of {@code study} in run order, with its state in the output folder {@code out}. */
    public static List<Step> of(Study study, Path out) {
        List<Step> steps = new ArrayList<>();
        for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
            steps.add(step("knowledge graph " + g.name(), KnowledgeGraphs.folder(out, g.name()), StudyRunner.recipe(g), 0));
        }
        List<Cell> cells = StudyRunner.cells(study, out);
        Set<String> listed = new HashSet<>();
        for (List<Cell> group : StudyRunner.groups(study, cells)) {
            Map<Study.Pretraining, Boolean> needed = new LinkedHashMap<>(); // the group's pretrainings: whether a cell waits for it
            for (Cell c : group) {
                boolean done = StudyRunner.complete(c.folder()) && StudyRunner.writtenFor(c.folder(), StudyRunner.recipe(study, c));
                for (Study.Pretraining p : study.method(c.method()).pretrainings(c.seed())) {
                    needed.merge(p, !done, Boolean::logicalOr);
                }
            }
            for (Study.Pretraining p : study.pretrainings()) { // in the study's order, each once
                if (needed.containsKey(p) && listed.add(p.id())) {
                    Cell c = new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), StudyRunner.pretrainingFolder(out, p));
                    Step s = step(c.label(), c.folder(), StudyRunner.recipe(study, c), p.budget().epochs());
                    steps.add(s.state() == State.TO_RUN && !needed.get(p) ? new Step(s.label(), State.NOT_NEEDED, "its cells are done") : s);
                }
            }
            for (List<Cell> wave : StudyRunner.waves(study, group)) {
                for (Cell c : wave) {
                    Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
                    steps.add(step(c.label(), c.folder(), StudyRunner.recipe(study, c), study.method(c.method()).budget(t).epochs()));
                }
            }
        }
        return steps;
    }

    /** How many steps are in each state, every state named (zero included), in the enum's order. */
    public static Map<State, Integer> counts(List<Step> steps) {
        Map<State, Integer> counts = new LinkedHashMap<>();
        for (State s : State.values()) {
            counts.put(s, (int) steps.stream().filter(x -> x.state() == s).count());
        }
        return counts;
    }

    private static Step step(String label, Path folder, String recipe, int epochs) {
        if (StudyRunner.complete(folder)) {
            return StudyRunner.writtenFor(folder, recipe) ? new Step(label, State.DONE, result(folder))
                    : new Step(label, State.STALE, "written with another configuration of the study: runs again");
        }
        Path checkpoint = StudyRunner.checkpointFolder(folder);
        JsonNode state = readJson(checkpoint.resolve("training").resolve("checkpoint.json"));
        if (state != null && sameRecipe(checkpoint, recipe) && state.path("epoch").asInt() > 0) {
            return new Step(label, State.RESUMABLE, "after epoch " + state.path("epoch").asInt() + (epochs > 0 ? " of " + epochs : "")
                    + String.format(Locale.ROOT, " (best so far %.2f, epoch %d)", 100 * state.path("best_score").asDouble(),
                            state.path("best_epoch").asInt()));
        }
        return new Step(label, State.TO_RUN, "");
    }

    /** A complete folder's result in a few words: the primary metric, its best epoch, or why it is n/a. */
    private static String result(Path folder) {
        JsonNode m = readJson(folder.resolve("metrics.json"));
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

    private static boolean sameRecipe(Path checkpoint, String recipe) {
        try {
            Path file = checkpoint.resolve(StudyRunner.RECIPE);
            return Files.isRegularFile(file) && Files.readString(file).equals(recipe);
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return Files.isRegularFile(file) ? Io.JSON.readTree(file.toFile()) : null;
        } catch (IOException e) {
            return null; // being written, or damaged: the step is not done; a run says why when it gets there
        }
    }
}
