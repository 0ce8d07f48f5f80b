package dev.infuse.study;

import dev.infuse.api.ActivationCache;
import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.tasks.TaskRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Study}: expands its grid into cells ({@code out/cells/<method>/<task>/seed-<n>/}),
 * trains the pretraining steps the pending cells need ({@code out/pretraining/<method>/<adapter>/},
 * shared and reused), runs every cell through {@link TaskRunner#run} on a {@link CellExecutor}, and
 * writes the tables, charts and report ({@link StudyReport}).
 *
 * <p>Resumable: a cell or pretraining folder with a {@code metrics.json} is complete and kept; each
 * is written into a temporary sibling and renamed into place, so a half-done one never looks complete.
 */
public final class StudyRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StudyRunner.class);

    private StudyRunner() {}

    /**
     * Runs the study into {@code out} and writes its outputs.
     *
     * @param executor runs the cells; the caller closes it
     * @throws InfuseException for problems of the whole study (unknown plugin, unusable output folder, another run writing
     *     into it: {@code config-study-running});
     *     a failing cell is reported in the results instead
     */
    public static StudyResults run(Infuse infuse, Study study, Path out, CellExecutor executor) {
        return run(infuse, study, out, executor, Set.of(), Set.of());
    }

    /**
     * Runs a slice of the study: only the cells of {@code methods} and {@code tasks} (empty: all); see {@link Options}.
     *
     * @throws InfuseException {@code config-unknown-method} or {@code config-unknown-task} naming a method or task that is
     *     not in the study, and those that are
     */
    public static StudyResults run(Infuse infuse, Study study, Path out, CellExecutor executor, Set<String> methods,
            Set<String> tasks) {
        return run(infuse, study, out, executor, Options.all().methods(methods).tasks(tasks));
    }

    /**
     * What one run of a study runs: a slice of the grid and a time limit. Immutable; {@link #all()} runs every step
     * with no limit.
     *
     * @param methods run only these methods' cells (and of the methods whose downstream models they reuse), with the
     *     pretraining steps and knowledge graphs those need — e.g. a method and its twin first, when a session cannot run
     *     the whole grid. Complete cells of other methods are reported as usual; their missing cells are left for a later
     *     run (the report leaves them out). Empty: every method
     * @param tasks likewise, only these tasks' cells (a reused downstream model is trained per task, so it needs no other
     *     task's cell). Empty: every task
     * @param stopAfter null for no limit; otherwise the run starts no step once this much time has passed since it began,
     *     nor a step whose estimated time ({@link StudyStatus.Step#secondsLeft()}, from the done steps of its kind) would
     *     end after it; a step without an estimate starts while time is left. A step that has started runs to its end.
     *     Steps not started are left for the next run, as outside a slice, and counted in {@link StudyResults#notStarted()}
     *     (a cluster executor is asked before each batch of cells it is given, not before each cell)
     * @param exportEachStep null for none; otherwise the study's results are exported there ({@link StudyArchive#export})
     *     after every step the run completes and once more at its end, so that a machine lost mid-run loses at most the
     *     steps under way (a cluster executor's steps: after each batch). A failed export is logged and the run goes on
     */
    public record Options(Set<String> methods, Set<String> tasks, java.time.Duration stopAfter, Path exportEachStep) {
        public Options {
            methods = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(methods));
            tasks = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(tasks));
            if (stopAfter != null && (stopAfter.isNegative() || stopAfter.isZero())) {
                throw new IllegalArgumentException("stopAfter must be positive, not " + stopAfter);
            }
        }

        /** Every step, no time limit. */
        public static Options all() {
            return new Options(Set.of(), Set.of(), null, null);
        }

        /** The same options with only these methods' cells (empty: all). */
        public Options methods(Set<String> names) {
            return new Options(names, tasks, stopAfter, exportEachStep);
        }

        /** The same options with only these tasks' cells (empty: all). */
        public Options tasks(Set<String> names) {
            return new Options(methods, names, stopAfter, exportEachStep);
        }

        /** The same options with a time limit (null: none). */
        public Options stopAfter(java.time.Duration limit) {
            return new Options(methods, tasks, limit, exportEachStep);
        }

        /** The same options, exporting the results into {@code dest} after every step (null: no export). */
        public Options exportEachStep(Path dest) {
            return new Options(methods, tasks, stopAfter, dest);
        }
    }

    /**
     * Runs the steps of the study that {@code options} selects into {@code out} and writes its outputs.
     *
     * @param executor runs the cells; the caller closes it
     * @throws InfuseException as {@link #run(Infuse, Study, Path, CellExecutor)}, and {@code config-unknown-method} or
     *     {@code config-unknown-task} naming a method or task of the options that is not in the study, and those that are
     */
    public static StudyResults run(Infuse infuse, Study study, Path out, CellExecutor executor, Options options) {
        StudyValidation.checkPlugins(infuse, study);
        java.util.function.Predicate<Cell> selected = StudyGrid.selection(study, options);
        if (options.exportEachStep() != null) {
            StudyArchive.checkDestination(out, options.exportEachStep());
        }
        Io.createDirectories(out);
        try (StudyLock lock = StudyLock.acquire(out)) {
            TimeLimit limit = new TimeLimit(study, out, options.stopAfter(), System.nanoTime());
            StepExport export = new StepExport(study, out, options.exportEachStep());
            StudyResults results = StudyRun.run(infuse, study, out, executor, selected, limit, export);
            export.finished();
            return results;
        }
    }

    /** The number of cells of the study's grid (methods × tasks × seeds). */
    public static int cellCount(Study study) {
        return study.methods().size() * study.tasks().size() * study.seeds().size();
    }

    /**
     * Writes the tables, charts and report of every step complete in {@code out} and returns them, running nothing: after
     * an {@linkplain StudyArchive import}, or to see a study's steps with this version's statistics. Complete steps
     * count as reused; steps written for another configuration, and steps not run yet, are left out.
     *
     * @param executor only described in the provenance (what a run would use); the caller closes it
     * @throws InfuseException as {@link #run(Infuse, Study, Path, CellExecutor)} for the whole study: an unknown plugin,
     *     another run writing into {@code out} ({@code config-study-running})
     */
    public static StudyResults report(Infuse infuse, Study study, Path out, CellExecutor executor) {
        StudyValidation.checkPlugins(infuse, study);
        Io.createDirectories(out);
        try (StudyLock lock = StudyLock.acquire(out);
                Backbone backbone = infuse.createBackbone(study.backbone().name(), // its fingerprint goes into the provenance
                        PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config()))) {
            StudyResults r = fromDisk(study, out, StudyGrid.cells(study, out).stream().filter(c -> StepFolders.done(study, c)).toList(), Set.of(),
                    StudyProvenance.provenance(infuse, study, backbone, executor));
            StudyReport.write(r);
            return r;
        }
    }

    /**
     * Writes the study's tables from every step complete on disk so far, marked interim ({@link StudyResults#interim()}),
     * naming the cells of the running slice that have not finished: an export taken after a step then shows that step.
     *
     * @param completedNow the steps this run has completed (the others on disk count as reused)
     */
    static void writeInterimTables(Study study, Path out, List<Cell> all, List<Cell> slice, Set<Path> completedNow,
            Map<String, Object> provenance) {
        List<Cell> done = all.stream().filter(c -> StepFolders.done(study, c)).toList();
        Set<Path> doneFolders = done.stream().map(Cell::folder).collect(java.util.stream.Collectors.toSet());
        StudyReport.write(fromDisk(study, out, done, completedNow, provenance)
                .asInterim(slice.stream().filter(c -> !doneFolders.contains(c.folder())).map(Cell::label).toList()));
    }

    /**
     * The results of the complete cells {@code done} and of every complete pretraining step: those in
     * {@code completedNow} as run now, the others as reused.
     */
    private static StudyResults fromDisk(Study study, Path out, List<Cell> done, Set<Path> completedNow,
            Map<String, Object> provenance) {
        java.util.function.Function<Cell, CellOutcome> outcome = c -> new CellOutcome(c,
                completedNow.contains(c.folder()) ? CellOutcome.Status.COMPLETED : CellOutcome.Status.REUSED, null, null, 0);
        List<CellOutcome> pretrainings = new ArrayList<>();
        for (Study.Pretraining p : study.pretrainings()) {
            Cell c = new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), StudyGrid.pretrainingFolder(out, p));
            if (StepFolders.done(study, c)) {
                pretrainings.add(outcome.apply(c));
            }
        }
        return StudyReport.summarise(study, out, pretrainings, done.stream().map(outcome).toList(), provenance);
    }

    // ---- Running steps in other JVMs (cluster backends) ----

    /**
     * Runs one cell of a study in this JVM, as {@link #run} would: the entry point of backends that
     * run cells elsewhere. The Infuse runtime and the frozen backbone are loaded once per JVM and
     * kept for the next cells (release them with {@link #closeWorkers()}). The cell is written
     * atomically into its folder below {@link StudyJob#out()}; a complete folder is reused.
     *
     * @param stage the cell's stage
     * @param method a method name, or for a pretraining step its id ({@code method/adapter})
     * @param task the task (ignored for a pretraining step, which names its own)
     * @param seed the seed (ignored for a pretraining step)
     * @return COMPLETED or REUSED
     * @throws Exception when the cell fails (an {@link InfuseException} for a known problem)
     */
    public static CellOutcome runCell(StudyJob job, Cell.Stage stage, String method, String task, long seed) throws Exception {
        return RemoteCells.runCell(job, stage, method, task, seed);
    }

    /**
     * The backbone activation caches the pending cells among {@code cells} will read, one per data
     * set (empty when the study turns the cache off).
     */
    public static List<CacheFill> cacheFills(StudyJob job, List<Cell> cells) {
        return RemoteCells.cacheFills(job, cells);
    }

    /**
     * Fills (or finds) the activation caches of one {@link CacheFill} in this JVM: the frozen
     * backbone's default taps over the task's training and development texts, featurised and keyed
     * exactly as a cell's run does, so the cells then read them. Written by {@link ActivationCache}
     * itself (same files, same atomic rename) into {@code <cacheDir>/activations}.
     *
     * @return the names of the two cache folders (training, development)
     */
    public static List<String> fillActivationCache(StudyJob job, CacheFill fill) {
        return RemoteCells.fillActivationCache(job, fill);
    }

    /** Closes the runtimes and backbones {@link #runCell} and {@link #fillActivationCache} keep in this JVM. */
    public static void closeWorkers() {
        RemoteCells.closeWorkers();
    }

    /**
     * What can be checked once the backbone is loaded, before any cell runs: every budget's
     * {@code max_length} fits its positions, and every in-layer plug-in of every method's downstream
     * model can be created with its configuration (known plug-in, known keys, valid values) and targets
     * sites the backbone offers, each (layer, site) once. One {@link InfuseException} naming the
     * study file's line, the method and the plug-in.
     */
    public static void validate(Infuse infuse, Study study, Backbone backbone) {
        StudyValidation.validate(infuse, study, backbone);
    }
}
