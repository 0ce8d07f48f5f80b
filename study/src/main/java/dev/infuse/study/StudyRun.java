package dev.infuse.study;

import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a study's selected steps, holding the study's lock: the knowledge graphs, then group by group its
 * pretraining steps and its cells wave by wave, then the tables. Its steps are the methods below, in that order;
 * {@link StudyRunner#run(Infuse, Study, Path, CellExecutor, StudyRunner.Options)} is the public entry point.
 */
final class StudyRun {
    private static final Logger LOG = LoggerFactory.getLogger(StudyRun.class);

    private final Infuse infuse;
    private final Study study;
    private final Path out;
    private final CellExecutor executor;
    private final TimeLimit limit;
    private final StepExport export;
    private final StudyJob job;
    private final Backbone backbone;
    private final List<Cell> all;
    private final List<Cell> cells;
    /** Which of the cells to run were done before this run, read once (each reads its recipe and manifests). */
    private final Predicate<Cell> doneBefore;

    // What the run has done so far.
    private final List<CellOutcome> pretrainingOutcomes = new ArrayList<>();
    private final Set<String> pretrained = new HashSet<>(); // ids run (or reused) in an earlier group
    private final Map<String, String> failedPretrainings = new LinkedHashMap<>();
    private final Map<Path, CellOutcome> byFolder = new HashMap<>();

    private StudyRun(Infuse infuse, Study study, Path out, CellExecutor executor, Predicate<Cell> selected, TimeLimit limit,
            StepExport export, Backbone backbone) {
        this.infuse = infuse;
        this.study = study;
        this.out = out;
        this.executor = executor;
        this.limit = limit;
        this.export = export;
        this.backbone = backbone;
        this.job = StudyJob.of(infuse, study, out);
        this.all = StudyGrid.cells(study, out);
        this.cells = all.stream().filter(selected).toList();
        Set<Path> doneAtStart = cells.stream().filter(c -> StepFolders.done(study, c)).map(Cell::folder).collect(Collectors.toSet());
        this.doneBefore = c -> doneAtStart.contains(c.folder());
    }

    /** Runs the selected steps of the study into {@code out} (whose lock the caller holds) and writes the tables. */
    static StudyResults run(Infuse infuse, Study study, Path out, CellExecutor executor, Predicate<Cell> selected,
            TimeLimit limit, StepExport export) {
        StepFolders.removeLeftovers(out);
        LOG.info("study {} in {}: {}", study.name(), out, StudyStatus.summary(StudyStatus.of(study, out)));
        try (Backbone backbone = infuse.createBackbone(study.backbone().name(),
                PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config()))) {
            StudyValidation.validate(infuse, study, backbone);
            return new StudyRun(infuse, study, out, executor, selected, limit, export, backbone).steps();
        }
    }

    private StudyResults steps() {
        if (cells.size() < all.size()) {
            LOG.info("running a slice of the grid: {} of {} cells", cells.size(), all.size());
        }
        writeInterimTablesBeforeEachExport();
        if (knowledgeGraphsReady()) {
            for (List<Cell> group : StudyGrid.groups(study, cells)) {
                runGroup(group);
            }
        } else { // the cells read the graphs: none starts
            cells.stream().filter(doneBefore.negate()).forEach(c -> byFolder.put(c.folder(), limit.notStarted(c)));
        }
        return writeTables();
    }

    private void writeInterimTablesBeforeEachExport() {
        // The provenance hashes the data files: once per run, not once per step (only its time is renewed).
        var provenance = new java.util.concurrent.atomic.AtomicReference<Map<String, Object>>();
        export.interimTablesBy(completedNow -> {
            Map<String, Object> p = new LinkedHashMap<>(provenance.updateAndGet(
                    known -> known != null ? known : StudyProvenance.provenance(infuse, study, backbone, executor)));
            p.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            StudyRunner.writeInterimTables(study, out, all, cells, completedNow, p);
        });
    }

    /**
     * Trains the knowledge graphs' embeddings here, in order (the TransE trainer already uses every core, and the
     * embeddings land in the output folder, which every executor reads).
     *
     * @return false when the time limit left one not started
     */
    private boolean knowledgeGraphsReady() {
        // An imported step without its weights (StudyArchive) runs again when a step left to run needs them.
        boolean cellsToRun = cells.stream().anyMatch(doneBefore.negate());
        for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
            Path folder = KnowledgeGraphs.folder(out, g.name());
            Cell kc = new Cell(Cell.Stage.PRETRAINING, KnowledgeGraphs.STEP_PREFIX + g.name(), "transe", 0, folder);
            try {
                CellOutcome o = StepFolders.runAtomically(kc, Recipes.recipe(g), cellsToRun, limit,
                        tmp -> KnowledgeGraphs.train(g, tmp));
                export.completed(o);
                if (o.status() == CellOutcome.Status.NOT_STARTED) {
                    return false;
                }
            } catch (InfuseException e) {
                throw new InfuseException(e.code(), "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
            } catch (IOException e) {
                throw new InfuseException("artifact-io", "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
            } catch (Exception e) {
                throw new IllegalStateException("knowledge graph '" + g.name() + "'", e);
            }
        }
        return true;
    }

    /** One group of cells ({@link StudyGrid#groups}): the pretraining steps they need, then the cells wave by wave. */
    private void runGroup(List<Cell> group) {
        Set<Path> reusedModels = StudyGrid.reusedModelsToRun(study, out, group, doneBefore);
        runPretrainings(group);
        // Cells that reuse another method's downstream model run in a later wave than that method's cells.
        for (List<Cell> wave : StudyGrid.waves(study, group)) {
            runWave(wave, reusedModels);
        }
    }

    /** The pretraining steps of the group's cells still to run, each once per run; a failure is kept for its cells. */
    private void runPretrainings(List<Cell> group) {
        Set<Study.Pretraining> pending = new HashSet<>();
        for (Cell c : group) {
            if (!StepFolders.reusable(c.folder(), Recipes.recipe(study, c))) {
                pending.addAll(study.method(c.method()).pretrainings(c.seed()));
            }
        }
        List<Cell> steps = new ArrayList<>();
        Map<String, Study.Pretraining> byId = new LinkedHashMap<>();
        for (Study.Pretraining p : study.pretrainings()) { // seed by seed, in the study's order
            if (pending.contains(p) && pretrained.add(p.id())) {
                steps.add(new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), StudyGrid.pretrainingFolder(out, p)));
                byId.put(p.id(), p);
            }
        }
        if (limit.expired()) { // asked here too for a cluster executor, which runs steps without this JVM's limit
            steps.stream().filter(c -> !StepFolders.reusable(c.folder(), Recipes.recipe(study, c))
                    || StudyArchive.weightsRemoved(c.folder())).forEach(limit::notStarted);
            steps = List.of();
        }
        for (CellOutcome o : executor.execute(job, steps,
                c -> export.completed(StepFolders.runAtomically(c, Recipes.recipe(study, c), true, limit,
                        tmp -> StepWork.pretrain(infuse, backbone, study, out, byId.get(c.method()), tmp))))) {
            export.completed(o); // a cluster executor's steps, which ran elsewhere
            pretrainingOutcomes.add(o);
            if (o.status() == CellOutcome.Status.FAILED) {
                failedPretrainings.put(o.cell().method(), "error[" + o.errorCode() + "]: " + o.error());
            }
        }
    }

    /** One wave of cells: those the time limit lets start run on the executor; the others wait for the next run. */
    private void runWave(List<Cell> wave, Set<Path> reusedModels) {
        // A cluster executor runs cells elsewhere, without this JVM's limit: asked before each batch instead.
        Map<Boolean, List<Cell>> startable = wave.stream()
                .collect(Collectors.partitioningBy(c -> !limit.expired() && !limit.waitsFor(c)));
        startable.get(false).forEach(c -> byFolder.put(c.folder(), StepFolders.done(study, c) ? reused(c) : limit.notStarted(c)));
        for (CellOutcome o : executor.execute(job.withFailedPretrainings(failedPretrainings), startable.get(true),
                c -> export.completed(StepFolders.runAtomically(c, Recipes.recipe(study, c), reusedModels.contains(c.folder()),
                        limit, tmp -> {
                            Study.Method m = study.method(c.method());
                            StepWork.checkPretrainings(m, c.seed(), failedPretrainings);
                            StepWork.evaluate(infuse, backbone, study, out, m, c, tmp);
                        })))) {
            export.completed(o);
            byFolder.put(o.cell().folder(), o);
        }
    }

    /** The tables of every cell: those of this run, complete cells outside its slice as reused; not started ones left out. */
    private StudyResults writeTables() {
        List<CellOutcome> outcomes = all.stream().map(c -> byFolder.containsKey(c.folder()) ? byFolder.get(c.folder())
                // read again: a cell reusing a downstream model this run retrained is no longer done
                : StepFolders.done(study, c) ? reused(c) : null)
                .filter(o -> o != null && o.status() != CellOutcome.Status.NOT_STARTED).toList();
        if (!limit.notStartedSteps().isEmpty()) {
            LOG.info("time limit of {} reached: {} not started (run the same command again to go on)",
                    StudyStatus.duration(limit.seconds()), ResultsMarkdown.plural(limit.notStartedSteps().size(), "step"));
        }
        StudyResults results = StudyReport.summarise(study, out,
                pretrainingOutcomes.stream().filter(o -> o.status() != CellOutcome.Status.NOT_STARTED).toList(), outcomes,
                StudyProvenance.provenance(infuse, study, backbone, executor)).withNotStarted(limit.notStartedSteps());
        StudyReport.write(results);
        return results;
    }

    private static CellOutcome reused(Cell c) {
        return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
    }
}
