package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.tasks.OutputFiles;
import dev.infuse.api.ActivationCache;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.Infuse;
import dev.infuse.api.PluginInfo;
import dev.infuse.api.Provenance;
import dev.infuse.api.RunEnvironment;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.Spi;
import dev.infuse.spi.Task;
import dev.infuse.tasks.Tasks;
import dev.infuse.tasks.RunSpec;
import dev.infuse.tasks.TaskRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
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
    static final String TMP = ".tmp-";
    /** The error code of a method that cannot take part in a task; such a cell is complete and shown as n/a. */
    static final String NOT_APPLICABLE = "task-not-applicable";

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
        checkPlugins(infuse, study);
        java.util.function.Predicate<Cell> selected = selection(study, options);
        if (options.exportEachStep() != null) {
            StudyArchive.checkDestination(out, options.exportEachStep());
        }
        Io.createDirectories(out);
        try (StudyLock lock = StudyLock.acquire(out)) {
            TimeLimit limit = new TimeLimit(study, out, options.stopAfter(), System.nanoTime());
            StepExport export = new StepExport(study, out, options.exportEachStep());
            StudyResults results = runLocked(infuse, study, out, executor, selected, limit, export);
            export.finished();
            return results;
        }
    }

    /**
     * The cells of the options' slice: those of its methods (with the methods whose downstream models they reuse) and
     * tasks.
     *
     * @throws InfuseException {@code config-unknown-method} or {@code config-unknown-task} naming one not in the study
     */
    static java.util.function.Predicate<Cell> selection(Study study, Options options) {
        Set<String> slice = slice(study, options.methods());
        for (String t : options.tasks()) {
            if (study.tasks().stream().noneMatch(x -> x.name().equals(t))) {
                throw new InfuseException("config-unknown-task", "--tasks: no task '" + t + "' in study " + study.name()
                        + "; its tasks: " + String.join(", ", study.tasks().stream().map(Study.TaskEntry::name).toList()));
            }
        }
        return c -> (slice == null || slice.contains(c.method())) && (options.tasks().isEmpty() || options.tasks().contains(c.task()));
    }

    /** The number of cells of the study's grid (methods × tasks × seeds). */
    public static int cellCount(Study study) {
        return study.methods().size() * study.tasks().size() * study.seeds().size();
    }

    /** The methods a slice runs: the named ones and, transitively, those whose downstream models they reuse; null for all. */
    static Set<String> slice(Study study, Set<String> methods) {
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

    private static StudyResults runLocked(Infuse infuse, Study study, Path out, CellExecutor executor,
            java.util.function.Predicate<Cell> selected, TimeLimit limit, StepExport export) {
        removeLeftovers(out);
        LOG.info("study {} in {}: {}", study.name(), out, StudyStatus.summary(StudyStatus.of(study, out)));
        StudyJob job = StudyJob.of(infuse, study, out);
        try (Backbone backbone = infuse.createBackbone(study.backbone().name(),
                PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config()))) {
            validate(infuse, study, backbone);
            List<Cell> all = cells(study, out);
            List<Cell> cells = all.stream().filter(selected).toList();
            if (cells.size() < all.size()) {
                LOG.info("running a slice of the grid: {} of {} cells", cells.size(), all.size());
            }
            // The provenance hashes the data files: once per run, not once per step (only its time is renewed).
            var interimProvenance = new java.util.concurrent.atomic.AtomicReference<Map<String, Object>>();
            export.interimTablesBy(completedNow -> {
                Map<String, Object> p = new LinkedHashMap<>(interimProvenance.updateAndGet(
                        known -> known != null ? known : provenance(infuse, study, backbone, executor)));
                p.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                writeInterimTables(study, out, all, cells, completedNow, p);
            });
            // Which of the cells to run were done before this run, read once (each reads its recipe and manifests).
            Set<Path> doneAtStart = cells.stream().filter(c -> done(study, c)).map(Cell::folder)
                    .collect(java.util.stream.Collectors.toSet());
            java.util.function.Predicate<Cell> doneBefore = c -> doneAtStart.contains(c.folder());
            // An imported step without its weights (StudyArchive) runs again when a step left to run needs them.
            boolean cellsToRun = cells.stream().anyMatch(doneBefore.negate());
            boolean graphsReady = true;
            for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
                // Trained here, in order: the TransE trainer already uses every core, and the
                // embeddings land in the output folder, which every executor reads.
                Path folder = KnowledgeGraphs.folder(out, g.name());
                Cell kc = new Cell(Cell.Stage.PRETRAINING, KnowledgeGraphs.STEP_PREFIX + g.name(), "transe", 0, folder);
                try {
                    CellOutcome o = runAtomically(kc, recipe(g), cellsToRun, limit, tmp -> KnowledgeGraphs.train(g, tmp));
                    export.completed(o);
                    if (o.status() == CellOutcome.Status.NOT_STARTED) {
                        graphsReady = false; // the cells read the graphs: none starts
                        break;
                    }
                } catch (InfuseException e) {
                    throw new InfuseException(e.code(), "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new InfuseException("artifact-io", "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
                } catch (Exception e) {
                    throw new IllegalStateException("knowledge graph '" + g.name() + "'", e);
                }
            }
            List<List<Cell>> groups = groups(study, cells);
            List<CellOutcome> preOutcomes = new ArrayList<>();
            Set<String> pretrained = new java.util.HashSet<>(); // ids run (or reused) in an earlier group
            Map<String, String> failed = new LinkedHashMap<>();
            Map<Path, CellOutcome> byFolder = new java.util.HashMap<>();
            if (!graphsReady) {
                cells.stream().filter(doneBefore.negate()).forEach(c -> byFolder.put(c.folder(), limit.notStarted(c)));
                groups = List.of();
            }
            for (List<Cell> group : groups) {
                Set<Study.Pretraining> pending = new java.util.HashSet<>();
                for (Cell c : group) {
                    if (!reusable(c.folder(), recipe(study, c))) {
                        pending.addAll(study.method(c.method()).pretrainings(c.seed()));
                    }
                }
                List<Cell> preCells = new ArrayList<>();
                Map<String, Study.Pretraining> byId = new LinkedHashMap<>();
                for (Study.Pretraining p : study.pretrainings()) { // seed by seed, in the study's order
                    if (pending.contains(p) && pretrained.add(p.id())) {
                        preCells.add(new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), pretrainingFolder(out, p)));
                        byId.put(p.id(), p);
                    }
                }
                Set<Path> reusedModels = reusedModelsToRun(study, out, group, doneBefore);
                if (limit.expired()) { // asked here too for a cluster executor, which runs steps without this JVM's limit
                    preCells.stream().filter(c -> !reusable(c.folder(), recipe(study, c)) || StudyArchive.weightsRemoved(c.folder()))
                            .forEach(limit::notStarted);
                    preCells = List.of();
                }
                for (CellOutcome o : executor.execute(job, preCells,
                        c -> export.completed(runAtomically(c, recipe(study, c), true, limit,
                                tmp -> pretrain(infuse, backbone, study, out, byId.get(c.method()), tmp))))) {
                    export.completed(o); // a cluster executor's steps, which ran elsewhere
                    preOutcomes.add(o);
                    if (o.status() == CellOutcome.Status.FAILED) {
                        failed.put(o.cell().method(), "error[" + o.errorCode() + "]: " + o.error());
                    }
                }
                // Cells that reuse another method's downstream model run in a later wave than that method's cells.
                for (List<Cell> wave : waves(study, group)) {
                    // A cluster executor runs cells elsewhere, without this JVM's limit: asked before each batch instead.
                    Map<Boolean, List<Cell>> startable = wave.stream()
                            .collect(java.util.stream.Collectors.partitioningBy(c -> !limit.expired() && !limit.waitsFor(c)));
                    List<Cell> toExecute = startable.get(true);
                    startable.get(false).forEach(c -> byFolder.put(c.folder(),
                            done(study, c) ? new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0) : limit.notStarted(c)));
                    for (CellOutcome o : executor.execute(job.withFailedPretrainings(failed), toExecute,
                            c -> export.completed(runAtomically(c, recipe(study, c), reusedModels.contains(c.folder()), limit, tmp -> {
                                Study.Method m = study.method(c.method());
                                checkPretrainings(m, c.seed(), failed);
                                evaluate(infuse, backbone, study, out, m, c, tmp);
                            })))) {
                        export.completed(o);
                        byFolder.put(o.cell().folder(), o);
                    }
                }
            }
            // Outside a slice: complete cells as reused; the others are left out of this report, as are those not started.
            List<CellOutcome> outcomes = all.stream().map(c -> byFolder.containsKey(c.folder()) ? byFolder.get(c.folder())
                    // read again: a cell reusing a downstream model this run retrained is no longer done
                    : done(study, c) ? new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0) : null)
                    .filter(o -> o != null && o.status() != CellOutcome.Status.NOT_STARTED).toList();
            if (!limit.notStartedSteps().isEmpty()) {
                LOG.info("time limit of {} reached: {} steps not started (run the same command again to go on)",
                        StudyStatus.duration(limit.seconds()), limit.notStartedSteps().size());
            }
            StudyResults results = StudyReport.summarise(study, out,
                    preOutcomes.stream().filter(o -> o.status() != CellOutcome.Status.NOT_STARTED).toList(), outcomes,
                    provenance(infuse, study, backbone, executor)).withNotStarted(limit.notStartedSteps());
            StudyReport.write(results);
            return results;
        }
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
        checkPlugins(infuse, study);
        Io.createDirectories(out);
        try (StudyLock lock = StudyLock.acquire(out);
                Backbone backbone = infuse.createBackbone(study.backbone().name(), // its fingerprint goes into the provenance
                        PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config()))) {
            StudyResults r = fromDisk(study, out, cells(study, out).stream().filter(c -> done(study, c)).toList(), Set.of(),
                    provenance(infuse, study, backbone, executor));
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
        List<Cell> done = all.stream().filter(c -> done(study, c)).toList();
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
            Cell c = new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), pretrainingFolder(out, p));
            if (done(study, c)) {
                pretrainings.add(outcome.apply(c));
            }
        }
        return StudyReport.summarise(study, out, pretrainings, done.stream().map(outcome).toList(), provenance);
    }

    /** Whether a step's folder is complete and written for this cell's recipe (without {@link #reusable}'s warning). */
    static boolean done(Study study, Cell c) {
        return complete(c.folder()) && writtenFor(c.folder(), recipe(study, c));
    }

    /** The cell folders of the group whose downstream model a cell still to run reuses ({@code downstream.from}). */
    static Set<Path> reusedModelsToRun(Study study, Path out, List<Cell> group) {
        return reusedModelsToRun(study, out, group, c -> done(study, c));
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

    private static void checkPretrainings(Study.Method m, long seed, Map<String, String> failed) {
        for (Study.Pretraining p : m.pretrainings(seed)) {
            String error = failed.get(p.id());
            if (error != null) {
                throw new InfuseException("study-pretraining-failed", "pretraining '" + p.id() + "' on " + p.task()
                        + " failed: " + error);
            }
        }
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

    // ---- Running cells in other JVMs (cluster backends) ----

    /** One Infuse runtime and frozen backbone per JVM and settings, shared by every cell run here. */
    private record Worker(Infuse infuse, Backbone backbone) {}

    private static final Map<String, Worker> WORKERS = new LinkedHashMap<>();

    private static Worker worker(StudyJob job, Study study) {
        Path plugins = job.pluginsDir() == null ? null : Path.of(job.pluginsDir());
        if (plugins != null && !Files.isDirectory(plugins)) {
            plugins = null; // the driver's plugins folder need not exist here: plugin jars come on the class path
        }
        String key = job.cacheDir() + "|" + plugins + "|" + job.seed() + "|" + study.backbone().name() + "|"
                + new java.util.TreeMap<>(study.backbone().config());
        synchronized (WORKERS) {
            Worker w = WORKERS.get(key);
            if (w == null) {
                Infuse infuse = Infuse.builder().pluginsDirectory(plugins).cacheDirectory(Path.of(job.cacheDir()))
                        .seed(job.seed()).build();
                try {
                    w = new Worker(infuse, infuse.createBackbone(study.backbone().name(),
                            PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config())));
                } catch (RuntimeException | Error e) {
                    infuse.close();
                    throw e;
                }
                LOG.info("loaded backbone {} in this JVM", w.backbone().fingerprint());
                WORKERS.put(key, w);
            }
            return w;
        }
    }

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
        Study study = job.study();
        Path out = Path.of(job.out());
        if (stage == Cell.Stage.PRETRAINING) {
            Study.Pretraining p = study.pretrainings().stream().filter(x -> x.id().equals(method)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no pretraining '" + method + "' in " + job.studyFile()));
            Cell c = new Cell(stage, p.id(), p.task(), p.seed(), pretrainingFolder(out, p));
            if (reusable(c.folder(), recipe(study, c)) && !StudyArchive.weightsRemoved(c.folder())) {
                return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
            }
            Worker w = worker(job, study);
            return runAtomically(c, recipe(study, c), true, TimeLimit.NONE, tmp -> pretrain(w.infuse(), w.backbone(), study, out, p, tmp));
        }
        Study.Method m = study.method(method);
        if (m == null || study.tasks().stream().noneMatch(t -> t.name().equals(task))) {
            throw new IllegalArgumentException("no cell " + method + "/" + task + " in " + job.studyFile());
        }
        Cell c = new Cell(stage, method, task, seed, cellFolder(out, method, task, seed));
        boolean needsWeights = StudyArchive.weightsRemoved(c.folder())
                && reusedModelsToRun(study, out, cells(study, out)).contains(c.folder());
        if (reusable(c.folder(), recipe(study, c)) && !needsWeights) {
            return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
        }
        Worker w = worker(job, study);
        return runAtomically(c, recipe(study, c), needsWeights, TimeLimit.NONE, tmp -> {
            checkPretrainings(m, c.seed(), job.failedPretrainings());
            evaluate(w.infuse(), w.backbone(), study, out, m, c, tmp);
        });
    }

    /**
     * The backbone activation caches the pending cells among {@code cells} will read, one per data
     * set (empty when the study turns the cache off).
     */
    public static List<CacheFill> cacheFills(StudyJob job, List<Cell> cells) {
        Study study = job.study();
        if (!study.cache()) {
            return List.of();
        }
        Set<CacheFill> fills = new LinkedHashSet<>();
        for (Cell c : cells) {
            if (reusable(c.folder(), recipe(study, c))
                    && !(c.stage() == Cell.Stage.PRETRAINING && StudyArchive.weightsRemoved(c.folder()))) {
                continue;
            }
            if (c.stage() == Cell.Stage.PRETRAINING) {
                // In-layer plug-ins trained with the adapter change the backbone's activations: no cache to fill.
                study.pretrainings().stream().filter(p -> p.id().equals(c.method()) && p.layerPlugins().isEmpty()).findFirst().ifPresent(p -> fills.add(
                        new CacheFill(p.task(), str(p.train()), str(p.dev()), p.budget().maxLength(), p.seed(),
                                p.budget().maxTrain(), p.options())));
            } else {
                Study.Method m = study.method(c.method());
                if (m == null || inLayer(study, m)) {
                    continue; // in-layer plug-ins change the backbone's activations: no cache to fill
                }
                study.tasks().stream().filter(t -> t.name().equals(c.task())).findFirst().ifPresent(t -> {
                    // The options a cell featurises with (runCell): the entry's, its markers, then a twin's.
                    Map<String, Object> options = new LinkedHashMap<>(t.options());
                    if (t.markers() != null) {
                        options.put("markers", t.markers());
                    }
                    options.putAll(m.taskOptions(t));
                    fills.add(new CacheFill(t.ref(), str(t.train()), str(t.dev()), m.budget(t).maxLength(),
                            study.dataSeed() != null ? study.dataSeed() : c.seed(), m.budget(t).maxTrain(), options));
                });
            }
        }
        return List.copyOf(fills);
    }

    private static String str(Path p) {
        return p == null ? null : p.toAbsolutePath().toString();
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
        Study study = job.study();
        Worker w = worker(job, study);
        Task task = Tasks.of(w.infuse().registry(), List.of()).create(fill.task(), fill.options());
        Tasks.DataFiles files = Tasks.resolve(task, study.dataDir(),
                fill.train() == null ? null : Path.of(fill.train()), fill.dev() == null ? null : Path.of(fill.dev()));
        Task.Prepared data = task.prepare(new Task.Input(files.train(), files.dev(), w.backbone().tokenizer(), List.of(),
                fill.maxLength(), fill.seed(), fill.maxTrain()));
        int last = w.backbone().spec().layers();
        java.util.SortedSet<Integer> taps = new java.util.TreeSet<>(dev.infuse.nn.SideAdapterConfig.defaultTaps(last));
        taps.add(last);
        Path root = Path.of(job.cacheDir()).resolve("activations");
        // Same batch size as TaskRunner, so the batches, and hence the bytes, are the same as a cell's fill.
        ActivationCache train = ActivationCache.open(root, w.backbone(), data.train().texts(), taps, 32, false);
        ActivationCache dev = ActivationCache.open(root, w.backbone(), data.dev().texts(), taps, 32, false);
        return List.of(train.folder().getFileName().toString(), dev.folder().getFileName().toString());
    }

    /** Closes the runtimes and backbones {@link #runCell} and {@link #fillActivationCache} keep in this JVM. */
    public static void closeWorkers() {
        synchronized (WORKERS) {
            for (Worker w : WORKERS.values()) {
                try {
                    w.backbone().close();
                } finally {
                    w.infuse().close();
                }
            }
            WORKERS.clear();
        }
    }

    static Path pretrainingFolder(Path out, Study.Pretraining p) {
        Path f = out.resolve("pretraining");
        for (String part : p.id().split("/")) {
            f = f.resolve(part);
        }
        return f;
    }

    /** A folder holding a {@code metrics.json} was renamed into place after its run finished. */
    static boolean complete(Path folder) {
        return Files.isRegularFile(folder.resolve("metrics.json"));
    }

    /** Name of the file in a cell's folder that records what the cell was run with. */
    static final String RECIPE = "recipe.txt";

    /**
     * Whether a complete folder holds the result of this recipe. A folder written with another
     * configuration (an edited study file) is stale and is run again; one from a version that wrote
     * no recipe is kept.
     */
    static boolean reusable(Path folder, String recipe) {
        if (!complete(folder)) {
            return false;
        }
        if (writtenFor(folder, recipe)) {
            return true;
        }
        LOG.warn("{}: written with another configuration of the study; running it again", folder);
        return false;
    }

    /** Whether a folder's recipe is this one (a folder from a version that wrote no recipe counts as this one's). */
    static boolean writtenFor(Path folder, String recipe) {
        try {
            Path file = folder.resolve(RECIPE);
            return !Files.isRegularFile(file) || Files.readString(file).equals(recipe);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What a cell's result depends on, as text: the backbone, the method's adapters and fusion (or the
     * pretraining step), the task with its files and budget, the seed, and whether the cache is on.
     * Positions in the study file and comments are not part of it.
     */
    static String recipe(Study study, Cell c) {
        StringBuilder r = new StringBuilder();
        r.append("backbone ").append(study.backbone()).append('\n');
        if (c.stage() == Cell.Stage.PRETRAINING) {
            Study.Pretraining p = study.pretrainings().stream().filter(x -> x.id().equals(c.method())).findFirst().orElse(null);
            Study.Method owner = study.method(c.method().substring(0, Math.max(0, c.method().indexOf('/'))));
            r.append("pretraining ").append(p).append('\n').append("fusion ").append(owner == null ? null : owner.fusion());
            if (owner != null && !owner.fusionConfig().isEmpty()) {
                r.append(" fusion_config ").append(new java.util.TreeMap<>(owner.fusionConfig()));
            }
        } else {
            Study.Method m = study.method(c.method());
            r.append("method ").append(m.name()).append(" fusion ").append(m.fusion());
            if (!m.fusionConfig().isEmpty()) { // only then, so that the recipes of earlier studies stay the same
                r.append(" fusion_config ").append(new java.util.TreeMap<>(m.fusionConfig()));
            }
            r.append('\n');
            for (Study.AdapterEntry a : m.adapters()) {
                r.append("adapter ").append(a.mode()).append(' ').append(a.adapter()).append(' ').append(a.config()).append(' ')
                        .append(a.artifact()).append(' ').append(a.pretraining() == null ? null : a.pretraining().forSeed(c.seed()))
                        .append('\n');
            }
            Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
            // Downstream model and method budget only when set, so that the recipes of earlier studies stay the same.
            if (!m.downstream().headOnly()) {
                r.append("downstream ").append(m.downstream().describe()).append('\n');
            }
            if (m.downstream().from() != null) {
                Path studyOut = c.folder().getParent().getParent().getParent().getParent(); // out/cells/<method>/<task>/seed-<n>
                Cell source = new Cell(Cell.Stage.EVALUATION, m.downstream().from(), c.task(), c.seed(),
                        cellFolder(studyOut, m.downstream().from(), c.task(), c.seed()));
                r.append("downstream source recipe sha256 ").append(Fingerprints.sha256(recipe(study, source)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))).append(" weights ").append(headWeights(source.folder()))
                        .append('\n');
            }
            r.append("task ").append(t).append('\n').append("seed ").append(c.seed()).append('\n');
            if (study.dataSeed() != null) { // only when set, so that the recipes of earlier studies stay the same
                r.append("data_seed ").append(study.dataSeed()).append('\n');
            }
            if (m.budgets().containsKey(t.name())) {
                r.append("method budget ").append(m.budget(t)).append('\n');
            }
            if (!m.taskOptions(t).isEmpty()) {
                r.append("method task_options ").append(new java.util.TreeMap<>(m.taskOptions(t))).append('\n');
            }
        }
        r.append("\ncache ").append(study.cache()).append('\n');
        return r.toString();
    }

    /** What a knowledge graph step's embeddings depend on, as text. */
    static String recipe(Study.KnowledgeGraphStep g) {
        return "knowledge graph " + g + "\n";
    }

    /** The SHA-256 of the weights of a complete cell's saved downstream model, or {@code none}. */
    private static String headWeights(Path cell) {
        Path head = cell.resolve("head");
        if (!complete(cell) || !Files.isDirectory(head)) {
            return "none";
        }
        try {
            return dev.infuse.api.Artifacts.readManifest(head).weights().sha256();
        } catch (InfuseException e) {
            return "unreadable";
        }
    }

    /** The work of a cell, writing into a temporary folder. */
    @FunctionalInterface
    private interface Work {
        void into(Path tmp) throws Exception;
    }

    /**
     * Runs work into a fresh temporary sibling and renames it to the cell's folder, with its recipe;
     * reuses a complete folder of the same recipe — unless {@code needsWeights} and the folder was imported without
     * its weights ({@link StudyArchive}): then it runs again.
     */
    private static CellOutcome runAtomically(Cell c, String recipe, boolean needsWeights, TimeLimit limit, Work work)
            throws Exception {
        long t0 = System.nanoTime();
        Path folder = c.folder();
        if (reusable(folder, recipe)) {
            if (!needsWeights || !StudyArchive.weightsRemoved(folder)) {
                return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
            }
            LOG.info("{}: its results were imported without the weights that a step left to run needs: running it again",
                    c.label());
        }
        if (!limit.allows(c)) {
            return limit.notStarted(c);
        }
        Io.createDirectories(folder.getParent());
        Path checkpoint = prepareCheckpoint(folder, recipe);
        Path tmp = folder.resolveSibling(folder.getFileName() + TMP + UUID.randomUUID());
        try {
            Io.createDirectories(tmp); // from the start: a step with a temporary folder is the one running (StudyStatus)
            LOG.info("{}: starting", c.label());
            try {
                work.into(tmp);
            } catch (InfuseException e) {
                if (!e.code().equals("config-checkpoint-mismatch")) {
                    throw e;
                }
                // Same recipe, another run description (e.g. a newer Infuse): start the cell over.
                LOG.warn("{}: its checkpoint belongs to another run ({}); starting over", c.label(), e.getMessage());
                Io.deleteTree(checkpoint);
                prepareCheckpoint(folder, recipe);
                Io.deleteTree(tmp);
                Io.createDirectories(tmp);
                work.into(tmp);
            }
            Io.write(tmp.resolve(RECIPE), recipe);
            Io.deleteTree(folder); // a half-done folder (no metrics.json) from a crash or an older run
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            Io.deleteTree(checkpoint);
        } finally {
            Io.deleteTree(tmp);
            if (!Files.exists(checkpoint.resolve("training"))) {
                Io.deleteTree(checkpoint); // failed before its first epoch: nothing to resume
            }
        }
        return new CellOutcome(c, CellOutcome.Status.COMPLETED, null, null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Where a cell's training writes its checkpoint after every epoch, so that a study stopped mid-cell resumes the
     * cell at its last finished epoch: {@code .<cell>.checkpoint} beside the cell's folder, deleted once the cell
     * is complete. Holds the recipe it was written for; a checkpoint of another recipe is deleted.
     */
    static Path checkpointFolder(Path cellFolder) {
        return cellFolder.resolveSibling("." + cellFolder.getFileName() + CHECKPOINT);
    }

    static final String CHECKPOINT = ".checkpoint";

    private static Path prepareCheckpoint(Path cellFolder, String recipe) {
        Path checkpoint = checkpointFolder(cellFolder);
        if (Files.isDirectory(checkpoint) && !checkpointFor(checkpoint, recipe)) {
            LOG.info("{}: deleting a checkpoint written for another configuration", checkpoint);
            Io.deleteTree(checkpoint);
        }
        Io.createDirectories(checkpoint);
        Io.write(checkpoint.resolve(RECIPE), recipe);
        return checkpoint;
    }

    /** Whether a checkpoint folder was written for this recipe (one without a readable recipe was not). */
    static boolean checkpointFor(Path checkpoint, String recipe) {
        try {
            Path file = checkpoint.resolve(RECIPE);
            return Files.isRegularFile(file) && Files.readString(file).equals(recipe);
        } catch (IOException e) {
            return false;
        }
    }

    private static void pretrain(Infuse infuse, Backbone backbone, Study study, Path out, Study.Pretraining p, Path tmp) {
        // The pretraining runs under the fusion of the method that defines it (e.g. 'add' for a plug-in
        // trained through the frozen masked-LM head).
        Study.Method owner = study.method(p.id().substring(0, p.id().indexOf('/')));
        String fusion = owner == null ? "concat" : owner.fusion();
        RunSpec.AdapterUse trained = new RunSpec.AdapterUse(p.adapter(), null, RunSpec.AdapterMode.TRAIN,
                KnowledgeGraphs.resolve(p.config(), out));
        RunSpec.Builder spec = RunSpec.builder(p.task()).train(p.train()).dev(p.dev()).data(study.dataDir())
                .adapter(trained).fusionIfSideAdapters(fusion).training(training(p.budget(), p.seed())).maxLength(p.budget().maxLength())
                .cache(study.cache())
                .fusionConfig(owner == null ? Map.of() : owner.fusionConfig()).headDropout((float) p.budget().headDropout()).out(tmp).maxTrain(p.budget().maxTrain())
                .checkpoint(checkpointFolder(pretrainingFolder(out, p)).resolve("training"))
                .layerPlugins(p.layerPlugins().stream().map(l -> new RunSpec.LayerUse(l.name(), l.config())).toList());
        p.options().forEach(spec::taskOption);
        TaskRunner.run(infuse, backbone, spec.build());
    }

    /** Runs an evaluation cell into {@code tmp}; a method that cannot take part writes an n/a {@code metrics.json}. */
    private static void evaluate(Infuse infuse, Backbone backbone, Study study, Path out, Study.Method m, Cell c, Path tmp) {
        try {
            runEvaluation(infuse, backbone, study, out, m, c, tmp);
        } catch (InfuseException e) {
            if (!e.code().equals(NOT_APPLICABLE)) {
                throw e;
            }
            LOG.info("{}: not applicable: {}", c.label(), e.getMessage());
            Io.deleteTree(tmp);
            Io.createDirectories(tmp);
            Map<String, Object> na = new LinkedHashMap<>();
            na.put("task", c.task());
            na.put("not_applicable", e.getMessage());
            OutputFiles.writeJson(tmp.resolve("metrics.json"), na);
        }
    }

    private static void runEvaluation(Infuse infuse, Backbone backbone, Study study, Path out, Study.Method m, Cell c, Path tmp) {
        Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
        List<RunSpec.AdapterUse> uses = new ArrayList<>();
        for (Study.AdapterEntry a : m.adapters()) {
            uses.add(switch (a.mode()) {
                case TRAIN -> new RunSpec.AdapterUse(a.adapter(), null, RunSpec.AdapterMode.TRAIN,
                        KnowledgeGraphs.resolve(a.config(), out));
                case PRETRAINED -> new RunSpec.AdapterUse(null, a.pretraining() != null
                        ? pretrainingFolder(out, a.pretraining().forSeed(c.seed())).resolve("adapters").resolve(a.pretraining().adapter())
                        : a.artifact(), RunSpec.AdapterMode.PRETRAINED, Map.of());
                case CONTROL -> new RunSpec.AdapterUse(a.adapter(), a.artifact(), RunSpec.AdapterMode.CONTROL,
                        KnowledgeGraphs.resolve(a.config(), out));
            });
        }
        Study.Budget budget = m.budget(t);
        Study.Downstream d = m.downstream();
        RunSpec.Builder spec = RunSpec.builder(t.ref()).train(t.train()).dev(t.dev()).test(t.test())
                .data(study.dataDir()).adapters(uses).fusionIfSideAdapters(m.fusion()).training(training(budget, c.seed()))
                .maxLength(budget.maxLength()).cache(study.cache()).headDropout((float) budget.headDropout()).out(tmp)
                .maxTrain(budget.maxTrain()).markers(t.markers()).fusionConfig(m.fusionConfig())
                .layerPlugins(d.layerPlugins().stream().map(l -> new RunSpec.LayerUse(l.name(), l.config())).toList())
                .backboneDropout(d.backboneDropout() == null ? null : d.backboneDropout().floatValue());
        spec.dataSeed(study.dataSeed());
        spec.checkpoint(checkpointFolder(c.folder()).resolve("training"));
        // The task entry's options, then a twin's over them (markers stay the entry's 'markers' key).
        t.options().forEach(spec::taskOption);
        m.taskOptions(t).forEach(spec::taskOption);
        if (d.from() != null) {
            spec.head(new RunSpec.HeadUse(sourceModel(out, m, c), d.frozen()));
        }
        Study.Pretraining inLayer = m.inLayerPretraining();
        if (inLayer != null) {
            spec.head(new RunSpec.HeadUse(pretrainedLayers(infuse, inLayer.forSeed(c.seed()), spec.build(), out), true));
        }
        PeakMemory.Span memory = PeakMemory.start();
        try {
            TaskRunner.run(infuse, backbone, spec.build());
        } finally {
            PeakMemory.Reading peak = memory.end();
            recordPeakMemory(tmp, peak);
        }
        writeEnvironment(study, budget, tmp);
    }

    /**
     * The downstream model a plug-and-play cell reuses: {@code head/} of the same task and seed's cell of
     * the method named by {@code downstream.from}, which ran in an earlier wave.
     *
     * @throws InfuseException {@code study-downstream-failed} when that cell is not complete;
     *     {@code task-not-applicable} when it is n/a or saved no model (a probe trains none): then so is this cell
     */
    private static Path sourceModel(Path out, Study.Method m, Cell c) {
        String from = m.downstream().from();
        Path source = cellFolder(out, from, c.task(), c.seed());
        if (!complete(source)) {
            throw new InfuseException("study-downstream-failed", "method '" + m.name() + "' reuses the downstream model of "
                    + from + "/" + c.task() + "/seed-" + c.seed() + ", which did not complete (see that cell's error)");
        }
        JsonNode metrics = readMetrics(source);
        if (metrics != null && metrics.hasNonNull("not_applicable")) {
            throw new InfuseException(NOT_APPLICABLE, "method '" + from + "', whose downstream model this method reuses, is "
                    + "not applicable here: " + metrics.path("not_applicable").asText());
        }
        Path head = source.resolve("head");
        if (!Files.isDirectory(head)) {
            // A complete cell without a model trained nothing (a probe answers through the frozen masked-LM head).
            throw new InfuseException(NOT_APPLICABLE, "method '" + from + "', whose downstream model this method reuses, "
                    + "saved none on task '" + c.task() + "' (nothing is trained there)");
        }
        return head;
    }

    /**
     * The in-layer plug-ins a knowledge plug-in was pretrained with ({@code <pretraining>/head}), which a cell loads
     * frozen. They came with the pretraining task's masked-LM head, so only probes, which answer through that head,
     * can use them; a task with a head of its own would have to train a new downstream model around them.
     *
     * @throws InfuseException {@code task-not-applicable} for a task that is not a probe
     */
    private static Path pretrainedLayers(Infuse infuse, Study.Pretraining p, RunSpec cell, Path out) {
        Task task = Tasks.of(infuse.registry(), cell.taskIncludes()).create(cell.task(), cell.taskOptions());
        if (!task.probe()) {
            throw new InfuseException(NOT_APPLICABLE, "the in-layer plug-ins " + p.layerPlugins().stream()
                    .map(Study.LayerPluginEntry::name).toList() + " pretrained with the knowledge plug-in (" + p.id()
                    + ") answer through the masked-LM head: only probe tasks load them, and task '" + cell.task()
                    + "' trains a head of its own");
        }
        return pretrainingFolder(out, p).resolve("head");
    }

    /** Adds the cell's peak resident set size ({@link PeakMemory}) to its {@code metrics.json}, when there is one. */
    @SuppressWarnings("unchecked")
    private static void recordPeakMemory(Path tmp, PeakMemory.Reading peak) {
        Path file = tmp.resolve("metrics.json");
        if (!Files.isRegularFile(file) || peak.bytes() < 0) {
            return;
        }
        try {
            Map<String, Object> m = Io.JSON.readValue(file.toFile(), LinkedHashMap.class);
            // A cell resumed from its checkpoint: the processes that trained its earlier epochs count too.
            long earlier = m.get("resumed") instanceof Map<?, ?> r && r.get("earlier_peak_rss_bytes") instanceof Number n
                    ? n.longValue() : -1;
            m.put("peak_rss_bytes", Math.max(peak.bytes(), earlier));
            m.put("peak_rss_scope", peak.scope());
            OutputFiles.writeJson(file, m);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot add the peak memory to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Name of the file in a cell's folder recording what can move its numbers ({@link RunEnvironment}). */
    static final String ENVIRONMENT = "environment.json";

    /** Records the cell's {@link RunEnvironment}: processor, threads, precision (the backbone's, else fp32), batch, versions. */
    private static void writeEnvironment(Study study, Study.Budget budget, Path tmp) {
        Object precision = study.backbone().config().get("precision");
        OutputFiles.writeJson(tmp.resolve(ENVIRONMENT),
                RunEnvironment.collect(precision == null ? null : precision.toString(), budget.batchSize()).toMap());
    }

    static TrainingConfig training(Study.Budget b, long seed) {
        return new TrainingConfig(b.epochs(), b.batchSize(), b.batchSize() * 160, b.learningRate(), b.warmup(), b.clip(),
                b.patience(), seed, b.evaluateEvery());
    }

    /**
     * What can be checked once the backbone is loaded, before any cell runs: every budget's
     * {@code max_length} fits its positions, and every in-layer plug-in of every method's downstream
     * model can be created with its configuration (known plug-in, known keys, valid values) and targets
     * sites the backbone offers, each (layer, site) once. One {@link InfuseException} naming the
     * study file's line, the method and the plug-in.
     */
    public static void validate(Infuse infuse, Study study, Backbone backbone) {
        checkMaxLengths(study, backbone);
        checkLayerPlugins(infuse, study, backbone);
    }

    static void checkLayerPlugins(Infuse infuse, Study study, Backbone backbone) {
        for (Study.Method m : study.methods()) {
            checkLayerPlugins(infuse, backbone, m.downstream().layerPlugins(), "method '" + m.name() + "'", "one downstream model");
            for (Study.Pretraining p : m.pretrainings()) {
                checkLayerPlugins(infuse, backbone, p.layerPlugins(), "pretraining '" + p.id() + "'", "one pretraining");
            }
        }
    }

    private static void checkLayerPlugins(Infuse infuse, Backbone backbone, List<Study.LayerPluginEntry> entries, String owner,
            String scope) {
        List<dev.infuse.spi.LayerPlugin> plugins = new java.util.ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Study.LayerPluginEntry l : entries) {
            String where = l.where() + ": " + owner;
            String who = "in-layer plug-in '" + l.name() + "'";
            check(infuse, PluginKind.LAYER, l.name(), where);
            if (!names.add(l.name())) {
                throw new InfuseException("config-duplicate-adapter", where + ": " + who + " is listed twice in " + scope);
            }
            try {
                plugins.add(infuse.createLayerPlugin(l.name(), PluginConfig.of(who, l.config()), backbone.spec()));
                dev.infuse.api.ComposedModel.checkTargets(backbone, plugins);
            } catch (InfuseException e) {
                throw new InfuseException(e.code(), where + ": " + e.getMessage(), e);
            }
        }
    }

    /** Every budget's max_length fits the backbone's position embeddings: checked before any cell (config-bad-value). */
    static void checkMaxLengths(Study study, Backbone backbone) {
        int limit = backbone.spec().maxPositions();
        Set<String> where = new LinkedHashSet<>();
        for (Study.TaskEntry t : study.tasks()) {
            for (Study.Method m : study.methods()) {
                if (m.budget(t).maxLength() > limit) {
                    where.add("task '" + t.name() + "'" + (m.budgets().containsKey(t.name()) ? " of method '" + m.name() + "'" : "")
                            + " (" + m.budget(t).maxLength() + ")");
                }
            }
        }
        for (Study.Pretraining p : study.pretrainings()) {
            if (p.budget().maxLength() > limit) {
                where.add("pretraining '" + p.id() + "' (" + p.budget().maxLength() + ")");
            }
        }
        if (!where.isEmpty()) {
            throw new InfuseException("config-bad-value", study.file() + ": budgets key 'max_length' is larger than the "
                    + limit + " positions of backbone '" + backbone.name() + "' (" + backbone.spec().describe() + ") for "
                    + String.join(", ", where) + "; expected at most " + limit + " (the default is 128: set max_length in budgets)");
        }
    }

    private static void checkPlugins(Infuse infuse, Study study) {
        check(infuse, PluginKind.BACKBONE, study.backbone().name(), study.file() + ": backbone");
        for (Study.Method m : study.methods()) {
            if (!m.adapters().isEmpty()) {
                check(infuse, PluginKind.FUSION, m.fusion(), study.file() + ": method '" + m.name() + "'");
            }
            for (Study.AdapterEntry a : m.adapters()) {
                if (a.adapter() != null) {
                    check(infuse, PluginKind.ADAPTER, a.adapter(), a.where() + ": method '" + m.name() + "'");
                }
            }
            for (Study.LayerPluginEntry l : m.downstream().layerPlugins()) {
                check(infuse, PluginKind.LAYER, l.name(), l.where() + ": method '" + m.name() + "'");
            }
            for (Study.Pretraining p : m.pretrainings()) {
                for (Study.LayerPluginEntry l : p.layerPlugins()) {
                    check(infuse, PluginKind.LAYER, l.name(), l.where() + ": pretraining '" + p.id() + "'");
                }
            }
        }
    }

    private static void check(Infuse infuse, PluginKind kind, String name, String where) {
        List<String> names = infuse.registry().available(kind);
        if (!names.contains(name)) {
            String hint = PluginConfig.closest(name, names);
            throw new InfuseException("plugin-not-found", where + ": no " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " plugin '" + name + "'" + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; available: "
                    + String.join(", ", names));
        }
    }

    /** Removes temporary folders a crashed run left behind. */
    private static void removeLeftovers(Path out) {
        for (String sub : List.of("cells", "pretraining")) {
            Path root = out.resolve(sub);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root, 4)) {
                for (Path p : s.filter(p -> p.getFileName().toString().contains(TMP)).toList()) {
                    LOG.info("removing the unfinished {}", p);
                    Io.deleteTree(p);
                }
            } catch (IOException e) {
                throw new InfuseException("artifact-io", "cannot scan " + root + ": " + e.getMessage(), e);
            }
        }
    }

    private static Map<String, Object> provenance(Infuse infuse, Study study, Backbone backbone, CellExecutor executor) {
        Provenance env = Provenance.builder().build();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("study_file", study.file().toAbsolutePath().toString());
        p.put("study_sha256", Fingerprints.sha256(study.source().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        p.put("data_folder", study.dataDir() == null ? null : study.dataDir().toString());
        Map<String, Object> bb = new LinkedHashMap<>();
        bb.put("name", study.backbone().name());
        bb.put("config", study.backbone().config());
        bb.put("fingerprint", backbone.fingerprint());
        bb.put("precision", backbone.precision().label());
        p.put("backbone", bb);
        List<Map<String, Object>> data = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (Study.TaskEntry t : study.tasks()) {
            dataFiles(infuse, t.ref(), study.dataDir(), t.train(), t.dev(), seen, data);
        }
        for (Study.Pretraining pre : study.pretrainings()) {
            dataFiles(infuse, pre.task(), study.dataDir(), pre.train(), pre.dev(), seen, data);
        }
        p.put("data", data);
        Map<String, Object> versions = new LinkedHashMap<>();
        String v = StudyRunner.class.getPackage().getImplementationVersion();
        versions.put("infuse", v == null ? "development build" : v);
        versions.put("spi", Spi.VERSION);
        versions.put("java", env.java());
        versions.put("os", env.os());
        List<String> plugins = new ArrayList<>();
        for (PluginInfo info : infuse.registry().plugins()) {
            plugins.add(info.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + info.name() + " " + info.version());
        }
        versions.put("plugins", plugins);
        p.put("versions", versions);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", env.machine().cores());
        machine.put("memory_bytes", env.machine().memory());
        machine.put("parallel_cells", executor instanceof LocalCellExecutor l ? l.threads() : null);
        machine.put("executor", executor.getClass().getSimpleName());
        p.put("machine", machine);
        p.put("config", study.source());
        return p;
    }

    private static void dataFiles(Infuse infuse, String task, Path dataDir, Path train, Path dev, Set<Path> seen, List<Map<String, Object>> out) {
        List<Path> files = new ArrayList<>();
        try {
            Task t = Tasks.of(infuse.registry(), List.of()).create(task, Map.of());
            Tasks.DataFiles f = Tasks.resolve(t, dataDir, train, dev);
            if (f.train() == null) {
                if (seen.add(Path.of("embedded:" + task))) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("task", task);
                    row.put("path", "built in (" + t.description() + ")");
                    out.add(row);
                }
                return;
            }
            files.add(f.train());
            if (f.dev() != null) {
                files.add(f.dev());
            }
        } catch (InfuseException e) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("error", e.getMessage());
            out.add(row);
            return;
        }
        for (Path file : files) {
            if (!seen.add(file.toAbsolutePath())) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("path", file.toString());
            try {
                row.put("sha256", Fingerprints.sha256(file));
                row.put("bytes", Files.size(file));
            } catch (InfuseException | IOException e) {
                row.put("error", e.getMessage());
            }
            out.add(row);
        }
    }

    /** Reads a cell's {@code metrics.json}, or null when absent or unreadable. */
    static JsonNode readMetrics(Path folder) {
        try {
            return Io.JSON.readTree(folder.resolve("metrics.json").toFile());
        } catch (IOException e) {
            return null;
        }
    }
}
