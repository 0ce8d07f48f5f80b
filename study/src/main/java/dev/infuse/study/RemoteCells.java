package dev.infuse.study;

import dev.infuse.api.ActivationCache;
import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.Task;
import dev.infuse.tasks.TaskRunner;
import dev.infuse.tasks.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Running a study's steps in other JVMs (cluster backends): one Infuse runtime and frozen backbone per JVM and
 * settings, kept for the next cells; the entry points are {@link StudyRunner#runCell}, {@link StudyRunner#cacheFills},
 * {@link StudyRunner#fillActivationCache} and {@link StudyRunner#closeWorkers}.
 */
final class RemoteCells {
    private RemoteCells() {}

    private static final Logger LOG = LoggerFactory.getLogger(RemoteCells.class);

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

    /** {@link StudyRunner#runCell}. */
    static CellOutcome runCell(StudyJob job, Cell.Stage stage, String method, String task, long seed) throws Exception {
        Study study = job.study();
        Path out = Path.of(job.out());
        if (stage == Cell.Stage.PRETRAINING) {
            Study.Pretraining p = study.pretrainings().stream().filter(x -> x.id().equals(method)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no pretraining '" + method + "' in " + job.studyFile()));
            Cell c = new Cell(stage, p.id(), p.task(), p.seed(), StudyGrid.pretrainingFolder(out, p));
            if (StepFolders.reusable(c.folder(), Recipes.recipe(study, c)) && !StudyArchive.weightsRemoved(c.folder())) {
                return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
            }
            Worker w = worker(job, study);
            return StepFolders.runAtomically(c, Recipes.recipe(study, c), true, TimeLimit.NONE, tmp -> StepWork.pretrain(w.infuse(), w.backbone(), study, out, p, tmp));
        }
        Study.Method m = study.method(method);
        if (m == null || study.tasks().stream().noneMatch(t -> t.name().equals(task))) {
            throw new IllegalArgumentException("no cell " + method + "/" + task + " in " + job.studyFile());
        }
        Cell c = new Cell(stage, method, task, seed, StudyGrid.cellFolder(out, method, task, seed));
        boolean needsWeights = StudyArchive.weightsRemoved(c.folder())
                && StudyGrid.reusedModelsToRun(study, out, StudyGrid.cells(study, out)).contains(c.folder());
        if (StepFolders.reusable(c.folder(), Recipes.recipe(study, c)) && !needsWeights) {
            return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
        }
        Worker w = worker(job, study);
        return StepFolders.runAtomically(c, Recipes.recipe(study, c), needsWeights, TimeLimit.NONE, tmp -> {
            StepWork.checkPretrainings(m, c.seed(), job.failedPretrainings());
            StepWork.evaluate(w.infuse(), w.backbone(), study, out, m, c, tmp);
        });
    }

    /** {@link StudyRunner#cacheFills}. */
    static List<CacheFill> cacheFills(StudyJob job, List<Cell> cells) {
        Study study = job.study();
        if (!study.cache()) {
            return List.of();
        }
        Set<CacheFill> fills = new LinkedHashSet<>();
        for (Cell c : cells) {
            if (StepFolders.reusable(c.folder(), Recipes.recipe(study, c))
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
                if (m == null || StudyGrid.inLayer(study, m)) {
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

    /** {@link StudyRunner#fillActivationCache}. */
    static List<String> fillActivationCache(StudyJob job, CacheFill fill) {
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

    /** {@link StudyRunner#closeWorkers}. */
    static void closeWorkers() {
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
}
