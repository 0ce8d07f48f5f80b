package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The grid of a study as steps: its cells in order ({@code out/cells/<method>/<task>/seed-<n>/}), the pretraining
 * folders, the slice a run selects, and the order a run takes them in (groups by seed, waves by reused downstream model).
 */
final class StudyGrid {
    private StudyGrid() {}

    /**
     * The cells of the options' slice: those of its methods (with the methods whose downstream models they reuse) and
     * tasks.
     *
     * @throws InfuseException {@code config-unknown-method} or {@code config-unknown-task} naming one not in the study
     */
    static java.util.function.Predicate<Cell> selection(Study study, StudyRunner.Options options) {
        Set<String> slice = slice(study, options.methods());
        for (String t : options.tasks()) {
            if (study.tasks().stream().noneMatch(x -> x.name().equals(t))) {
                throw new InfuseException("config-unknown-task", "--tasks: no task '" + t + "' in study " + study.name()
                        + "; its tasks: " + String.join(", ", study.tasks().stream().map(Study.TaskEntry::name).toList()));
            }
        }
        return c -> (slice == null || slice.contains(c.method())) && (options.tasks().isEmpty() || options.tasks().contains(c.task()));
    }

    /** The methods a slice runs: the named ones and, transitively, those whose downstream models they reuse; null for all. */
    private static Set<String> slice(Study study, Set<String> methods) {
        if (methods.isEmpty()) {
            return null;
        }
        Set<String> slice = new java.util.LinkedHashSet<>();
        for (String name : methods) {
            if (study.method(name) == null) {
                throw new InfuseException("config-unknown-method", "--methods: no method '" + name + "' in study " + study.name()
                        + "; its methods: " + String.join(", ", study.methods().stream().map(Study.Method::name).toList()));
            }
            for (Study.Method m = study.method(name); m != null && slice.add(m.name());
                    m = m.downstream().from() == null ? null : study.method(m.downstream().from())) {
                // the chain of reused downstream models
            }
        }
        return slice;
    }

    /** The cell folders of the group whose downstream model a cell still to run reuses ({@code downstream.from}). */
    static Set<Path> reusedModelsToRun(Study study, Path out, List<Cell> group) {
        return reusedModelsToRun(study, out, group, c -> StepFolders.done(study, c));
    }

    /** As {@link #reusedModelsToRun(Study, Path, List)}, with the cells' done state already known. */
    static Set<Path> reusedModelsToRun(Study study, Path out, List<Cell> group, java.util.function.Predicate<Cell> done) {
        Set<Path> sources = new java.util.HashSet<>();
        for (Cell c : group) {
            String from = study.method(c.method()).downstream().from();
            if (from != null && !done.test(c)) {
                sources.add(cellFolder(out, from, c.task(), c.seed()));
            }
        }
        return sources;
    }

    /**
     * The cells in the groups a run takes them: with per-seed pretraining seed by seed — that seed's pretrainings,
     * then its cells — so that a study stopped part-way holds complete seeds; otherwise one group (every pretraining
     * first, then every cell).
     */
    static List<List<Cell>> groups(Study study, List<Cell> cells) {
        return study.methods().stream().flatMap(m -> m.pretrainings().stream()).anyMatch(Study.Pretraining::perSeed)
                ? study.seeds().stream().map(s -> cells.stream().filter(c -> c.seed() == s).toList()).toList()
                : List.of(cells);
    }

    /**
     * The cells in waves: first those of methods with a new downstream model, then those reusing a
     * model of the first wave ({@code downstream.from}), and so on. Within a wave, task by task and seed by seed, every
     * method of a seed before the next seed: a run stopped part-way then holds paired cells (a method beside its twin,
     * control and baseline on the same seeds), which is what the statistics compare.
     */
    static List<List<Cell>> waves(Study study, List<Cell> cells) {
        java.util.TreeMap<Integer, List<Cell>> byLevel = new java.util.TreeMap<>();
        for (Cell c : cells) {
            byLevel.computeIfAbsent(level(study, study.method(c.method())), k -> new ArrayList<>()).add(c);
        }
        List<String> tasks = study.tasks().stream().map(Study.TaskEntry::name).toList();
        List<String> methods = study.methods().stream().map(Study.Method::name).toList();
        java.util.Comparator<Cell> pairedOrder = java.util.Comparator.<Cell>comparingInt(c -> tasks.indexOf(c.task()))
                .thenComparingInt(c -> study.seeds().indexOf(c.seed()))
                .thenComparingInt(c -> methods.indexOf(c.method()));
        return byLevel.values().stream().map(w -> w.stream().sorted(pairedOrder).toList()).toList();
    }

    /** 0 for a method with a new downstream model, else one more than the method it reuses (no circles: checked when read). */
    private static int level(Study study, Study.Method m) {
        int level = 0;
        for (Study.Method x = m; x != null && x.downstream().from() != null; x = study.method(x.downstream().from())) {
            level++;
        }
        return level;
    }

    /**
     * Whether a method's cells run in-layer plug-ins (its own, those of the downstream model it reuses, or those
     * pretrained with its adapter).
     */
    static boolean inLayer(Study study, Study.Method m) {
        for (Study.Method x = m; x != null; x = x.downstream().from() == null ? null : study.method(x.downstream().from())) {
            if (!x.downstream().layerPlugins().isEmpty() || x.inLayerPretraining() != null) {
                return true;
            }
        }
        return false;
    }

    /** The grid in order: method, then task, then seed. */
    static List<Cell> cells(Study study, Path out) {
        List<Cell> cells = new ArrayList<>();
        for (Study.Method m : study.methods()) {
            for (Study.TaskEntry t : study.tasks()) {
                for (long seed : study.seeds()) {
                    cells.add(new Cell(Cell.Stage.EVALUATION, m.name(), t.name(), seed, cellFolder(out, m.name(), t.name(), seed)));
                }
            }
        }
        return cells;
    }

    static Path cellFolder(Path out, String method, String task, long seed) {
        return out.resolve("cells").resolve(method).resolve(task).resolve("seed-" + seed);
    }

    static Path pretrainingFolder(Path out, Study.Pretraining p) {
        Path f = out.resolve("pretraining");
        for (String part : p.id().split("/")) {
            f = f.resolve(part);
        }
        return f;
    }
}
