package dev.infuse.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.api.ActivationCache;
import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.CachedTrainingData;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.Infuse;
import dev.infuse.api.Provenance;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingData;
import dev.infuse.api.TrainingReport;
import dev.infuse.api.Outcomes;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.Task;
import dev.infuse.tasks.RunSpec.AdapterMode;
import dev.infuse.tasks.RunSpec.AdapterUse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.TaskHead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One experiment cell: a task, a frozen backbone, some adapters (trained here, loaded pretrained and
 * frozen, or same-shape random controls), a fusion and the task's head; trains what is trainable,
 * selects the epoch on the development split, scores a test file once if one is given, and writes
 * metrics, per-item outcomes ({@code outcomes.json}), predictions in the data set's official format and
 * any trained adapter as an artifact into an output folder.
 *
 * <p>The run is a sequence of small steps — resolve the task and its files, open the adapters,
 * featurise, build the model (with the activation cache where it applies), train, score, write — none
 * of which knows any task by name: tasks are plugins ({@link Task}).
 */
public final class TaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    private TaskRunner() {}

    /** What a run measured. */
    public record RunResult(String task, Map<String, Double> metrics, TrainingReport report, long trainableParameters,
            long totalParameters, Map<String, Integer> skippedTrain, Map<String, Integer> skippedDev, double seconds,
            Path output) {}

    /** Runs a cell with the tasks of {@code infuse}'s plugin registry. */
    public static RunResult run(Infuse infuse, Backbone backbone, RunSpec spec) {
        long t0 = System.nanoTime();
        Task task = Tasks.of(infuse.registry(), spec.taskIncludes()).create(spec.task(), spec.taskOptions());
        Tasks.DataFiles files = Tasks.resolve(task, spec.dataDir(), spec.train(), spec.dev());
        if (spec.test() != null && !java.nio.file.Files.exists(spec.test())) {
            throw new InfuseException("data-missing", "test file " + spec.test() + " does not exist");
        }
        Opened opened = openAdapters(infuse, backbone, spec);
        return task.probe() ? runProbe(infuse, backbone, spec, task, files, opened, t0)
                : runTrained(infuse, backbone, spec, task, files, opened, t0);
    }

    private static RunResult runTrained(Infuse infuse, Backbone backbone, RunSpec spec, Task task, Tasks.DataFiles files,
            Opened opened, long t0) {
        List<KnowledgeAdapter> adapters = opened.adapters();
        Map<KnowledgeAdapter, AdapterMode> modes = opened.modes();
        List<String> added = opened.addedTokens();
        var tokenizer = added.isEmpty() ? backbone.tokenizer() : backbone.tokenizer().withAddedTokens(added);
        logSource(task, files);
        Task.Prepared data = task.prepare(new Task.Input(files.train(), files.dev(), tokenizer, adapters, spec.maxLength(),
                spec.dataSeed(), spec.maxTrain()));
        if (data.train().size() == 0 || data.dev().size() == 0) {
            throw new InfuseException("data-empty", "task '" + task.name() + "': " + data.train().size() + " training and "
                    + data.dev().size() + " development examples after featurisation (skipped: " + data.train().skipped() + ")");
        }
        Task.Split test = spec.test() == null ? null : data.read(spec.test());
        TaskHead head = data.head(spec.headDropout(), backbone.spec().hiddenSize());

        boolean sides = adapters.stream().anyMatch(a -> !a.taps().isEmpty());
        if (!adapters.isEmpty() && !sides && spec.fusion() != null && spec.fusionChosen()) {
            LOG.warn("warning[config-unused-fusion]: fusion '{}' is not used: no side adapter to fuse (input-side adapters need none)", spec.fusion());
        }
        String fusionName = fusionName(spec, head);
        Fusion fusion = sides ? infuse.createFusion(fusionName, PluginConfig.of("fusion '" + fusionName + "'", spec.fusionConfig()),
                backbone.spec(), (int) adapters.stream().filter(a -> !a.taps().isEmpty()).count()) : null;
        boolean headTrainable = spec.head().artifact() == null || !spec.head().frozen();
        // The masked-LM head and the add fusion have no weights: with frozen adapters only, such a run evaluates.
        boolean somethingBeyondAdapters = !(head instanceof MaskedLmHead) || (fusion != null && !fusion.name().equals("add"));
        boolean anyTraining = (headTrainable && somethingBeyondAdapters) || modes.containsValue(AdapterMode.TRAIN)
                || opened.layers().anyTrainable();
        ComposedModel.Builder b = ComposedModel.builder(backbone).head(head, headTrainable).seed(spec.training().seed())
                .forTraining(anyTraining).backboneDropout(anyTraining ? spec.backboneDropout() : 0f);
        for (KnowledgeAdapter a : adapters) {
            b.adapter(a, modes.get(a) == AdapterMode.TRAIN ? ComposedModel.Mode.TRAINABLE : ComposedModel.Mode.FROZEN);
        }
        opened.layers().addTo(b);
        if (fusion != null) {
            b.fusion(fusion, headTrainable);
        }
        Sources sources = sources(infuse, backbone, spec, opened, data, test, anyTraining, b);
        try (ComposedModel model = b.build()) {
            loadWeights(model, opened, spec, head, backbone);
            LOG.info("model: {} trainable of {} parameters; {} training, {} development{} examples{}",
                    model.trainableParameterCount(), model.totalParameterCount(), data.train().size(), data.dev().size(),
                    test == null ? "" : ", " + test.size() + " test", sources.cached() ? "; backbone activations cached" : "");
            Trained trained = trainOrEvaluate(model, spec, task, data, sources, anyTraining, backbone, opened);
            TrainingReport report = trained.report();
            Map<String, Double> metrics = report.bestMetrics();
            createDirectories(spec.out());
            Task.Evaluation dev = trained.dev() != null ? trained.dev() : data.dev().evaluate(model, sources.dev());
            writeEvaluation(spec.out(), "", task, "dev", dev);
            Map<String, Double> testMetrics = null;
            if (test != null) {
                Task.Evaluation t = test.evaluate(model, sources.test());
                writeEvaluation(spec.out(), "test-", task, "test", t);
                testMetrics = t.metrics();
                LOG.info("test {}: {} = {}", spec.test(), task.metric().name(), String.format(java.util.Locale.ROOT, "%.4f",
                        testMetrics.get(task.metric().name())));
            }
            DownstreamModel.save(model, head, opened.layers(), backbone, spec.out().resolve("head"),
                    Provenance.builder().seed(spec.training().seed()).metrics(metrics).hyperParameters(hyperParameters(spec))
                            .hyperParameter("task", task.name()).hyperParameter("backbone_precision", backbone.precision().label())
                            .build());
            DownstreamModel.export(infuse, model, opened.layers(), backbone, spec.out());
            saveTrainedAdapters(infuse, model, spec, task, data, opened, metrics);
            // A training resumed from a checkpoint counts the earlier processes' time too (up to their last checkpoint).
            RunResult result = new RunResult(task.name(), metrics, report, model.trainableParameterCount(),
                    model.totalParameterCount(), data.train().skipped(), data.dev().skipped(),
                    report.earlierSeconds() + (System.nanoTime() - t0) / 1e9, spec.out());
            Map<String, Object> summary = summary(result, spec, task, backbone.precision());
            if (testMetrics != null) {
                summary.put("test_file", spec.test().toString());
                summary.put("test_metrics", testMetrics);
                summary.put("skipped_test", test.skipped());
            }
            OutputFiles.writeJson(spec.out().resolve("metrics.json"), summary);
            return result;
        }
    }

    private static void logSource(Task task, Tasks.DataFiles files) {
        if (files.train() == null) {
            LOG.info("task {}: building its data from its built-in source", task.name());
        } else {
            LOG.info("task {}: reading {}{}", task.name(), files.train(), files.dev() == null ? " (10% held out as dev)"
                    : " and " + files.dev());
        }
    }

    /** Where a run's batches come from: the splits themselves, or wrappers serving cached backbone activations. */
    private record Sources(TrainingData train, TrainingData dev, TrainingData test, boolean cached) {}

    /**
     * Uses the activation cache when the backbone's outputs cannot change between epochs (no input-side
     * adapter, no added token, no backbone dropout): one tap cache per data set serves the baseline and
     * every adapter with the default taps; with only frozen side adapters their outputs are cached too.
     */
    private static Sources sources(Infuse infuse, Backbone backbone, RunSpec spec, Opened opened, Task.Prepared data,
            Task.Split test, boolean anyTraining, ComposedModel.Builder b) {
        List<KnowledgeAdapter> adapters = opened.adapters();
        if (spec.cache() && !opened.layers().isEmpty()) {
            // Hidden states from the lowest edited layer up change with the plug-ins; below it a cache could serve,
            // but in-layer plug-ins target every layer by default, so the backbone runs whole every epoch.
            LOG.info("activation cache not used: in-layer plug-ins {} act from layer {}", opened.layers().names(),
                    opened.layers().lowestLayer(backbone));
            return new Sources(data.train(), data.dev(), test, false);
        }
        boolean cacheable = spec.cache() && opened.addedTokens().isEmpty()
                && adapters.stream().noneMatch(ComposedModel::changesInputs) && !(anyTraining && spec.backboneDropout() > 0);
        if (!cacheable) {
            return new Sources(data.train(), data.dev(), test, false);
        }
        Path root = infuse.settings().cacheDirectory().resolve("activations");
        List<KnowledgeAdapter> frozenSides = adapters.stream()
                .filter(a -> opened.modes().get(a) != AdapterMode.TRAIN && !a.taps().isEmpty()).toList();
        boolean allFrozen = frozenSides.size() == adapters.size();
        int last = backbone.spec().layers();
        SortedSet<Integer> taps = new TreeSet<>();
        taps.add(last);
        List<KnowledgeAdapter> cachedSides = allFrozen ? frozenSides : List.of();
        if (cachedSides.isEmpty()) {
            adapters.forEach(a -> taps.addAll(a.taps()));
            taps.addAll(dev.infuse.nn.SideAdapterConfig.defaultTaps(last));
        }
        Map<String, Map<String, float[]>> weights = new LinkedHashMap<>();
        opened.loaded().forEach(l -> weights.put(l.adapter().name(), floats(l)));
        java.util.function.Function<Task.Split, TrainingData> cached = split -> new CachedTrainingData(split,
                ActivationCache.open(root, backbone, split.texts(), taps, cachedSides, weights, spec.training().seed(), 32, true),
                split.rowsPerExample());
        b.cachedTaps(taps).cachedSides(cachedSides.stream().map(KnowledgeAdapter::name).toList());
        return new Sources(cached.apply(data.train()), cached.apply(data.dev()), test == null ? null : cached.apply(test), true);
    }

    /** Loads pretrained adapters' weights and a saved head (checked against the task's head and the backbone). */
    private static void loadWeights(ComposedModel model, Opened opened, RunSpec spec, TaskHead head, Backbone backbone) {
        for (AdapterArtifacts.Loaded l : opened.loaded()) {
            model.loadWeights("adapter." + l.adapter().name(), floats(l));
        }
        DownstreamModel.loadImported(model, opened.layers());
        if (spec.head().artifact() == null) {
            return;
        }
        DownstreamModel.load(model, downstreamModel(spec, head, backbone, "artifact-config", "not this task's head '"
                + head.name() + "'"));
    }

    /**
     * The downstream model of {@code --head}, checked to be one with {@code head} for {@code backbone}.
     *
     * @throws InfuseException {@code code} for an artifact of another kind or head, naming it and {@code expected}
     */
    private static dev.infuse.api.LoadedArtifact downstreamModel(RunSpec spec, TaskHead head, Backbone backbone, String code,
            String expected) {
        var h = dev.infuse.api.Artifacts.read(spec.head().artifact());
        if (h.manifest().plugin().kind() != dev.infuse.api.ArtifactKind.HEAD || !h.manifest().plugin().name().equals(head.name())) {
            throw new InfuseException(code, spec.head().artifact() + ": holds a "
                    + h.manifest().plugin().kind().name().toLowerCase(java.util.Locale.ROOT) + " '" + h.manifest().plugin().name()
                    + "', " + expected);
        }
        h.checkBackbone(backbone);
        return h;
    }

    /**
     * A training's report and the development evaluation of the weights it kept, or null when those weights were not
     * the last ones evaluated in this process (an earlier best epoch, or a resumed run that evaluated nothing).
     */
    private record Trained(TrainingReport report, Task.Evaluation dev) {}

    /**
     * Trains (selecting the epoch on dev by the task's primary metric) or, with nothing trainable, evaluates once.
     * The evaluation of the kept weights is handed on when it is at hand, so that a large development set is not
     * run through the backbone once more only for its per-item outcomes.
     */
    private static Trained trainOrEvaluate(ComposedModel model, RunSpec spec, Task task, Task.Prepared data,
            Sources sources, boolean anyTraining, Backbone backbone, Opened opened) {
        Task.Evaluation[] last = new Task.Evaluation[1];
        Evaluator evaluator = Evaluator.of(task.metric().name(), m -> {
            last[0] = data.dev().evaluate(m, sources.dev());
            return last[0].metrics();
        });
        if (!anyTraining) {
            LOG.info("nothing to train (frozen head, no trained adapter): evaluating only");
            return new Trained(new TrainingReport(List.of(), 0, evaluator.evaluate(model), false, 0), last[0]);
        }
        Trainer trainer = new Trainer(spec.training());
        if (spec.checkpoint() != null) {
            trainer.checkpoint(spec.checkpoint(), runDescription(spec, task, data, backbone, opened));
        }
        TrainingReport report = trainer.fit(model, sources.train(), evaluator);
        // The last evaluation of this process is of the last evaluated epoch; the kept weights are that epoch's when it is the best.
        int lastEvaluated = report.epochs().stream().filter(e -> !e.metrics().isEmpty())
                .mapToInt(TrainingReport.EpochRecord::epoch).max().orElse(-1);
        return new Trained(report, last[0] != null && lastEvaluated == report.bestEpoch() ? last[0] : null);
    }

    /** Writes a split's per-item outcomes ({@code <prefix>outcomes.json}) and its predictions in the task's own format. */
    private static void writeEvaluation(Path out, String prefix, Task task, String split, Task.Evaluation e) {
        new Outcomes(task.name(), split, task.metric(), e.outcomes()).write(out.resolve(prefix + Outcomes.FILE_NAME));
        e.writePredictions(out, prefix);
    }

    private static void saveTrainedAdapters(Infuse infuse, ComposedModel model, RunSpec spec, Task task, Task.Prepared data,
            Opened opened, Map<String, Double> metrics) {
        for (KnowledgeAdapter a : opened.adapters()) {
            if (opened.modes().get(a) == AdapterMode.TRAIN) {
                Provenance.Builder p = Provenance.builder().seed(spec.training().seed()).metrics(metrics)
                        .hyperParameters(hyperParameters(spec)).hyperParameter("task", task.name());
                data.files().forEach(p::dataFile);
                String version = infuse.registry().info(PluginKind.ADAPTER, a.name()).version();
                AdapterArtifacts.save(model, a, version, spec.out().resolve("adapters").resolve(a.name()), p.build(), true);
            }
        }
    }

    /**
     * A run's adapters, the artifacts of the pretrained ones, and how each takes part; its in-layer
     * plug-ins (new, or from a reloaded downstream model) and whether each trains.
     */
    private record Opened(List<KnowledgeAdapter> adapters, List<AdapterArtifacts.Loaded> loaded,
            Map<KnowledgeAdapter, AdapterMode> modes, DownstreamModel.Layers layers) {
        /** Tokens the adapters add to the vocabulary. */
        List<String> addedTokens() {
            List<String> added = new ArrayList<>();
            adapters.forEach(a -> added.addAll(a.addedTokens()));
            return added;
        }
    }

    /** Loads pretrained adapters from their artifacts and creates the others (controls copy an artifact's shape). */
    private static Opened openAdapters(Infuse infuse, Backbone backbone, RunSpec spec) {
        List<KnowledgeAdapter> adapters = new ArrayList<>();
        List<AdapterArtifacts.Loaded> loaded = new ArrayList<>();
        Map<KnowledgeAdapter, AdapterMode> modes = new LinkedHashMap<>();
        for (AdapterUse use : spec.adapters()) {
            KnowledgeAdapter a;
            if (use.mode() == AdapterMode.PRETRAINED) {
                AdapterArtifacts.Loaded l = AdapterArtifacts.load(infuse, use.artifact(), backbone);
                loaded.add(l);
                a = l.adapter();
            } else {
                Map<String, Object> cfg = use.config();
                String name = use.name();
                if (use.artifact() != null) {
                    var m = dev.infuse.api.Artifacts.readManifest(use.artifact());
                    cfg = m.config();
                    name = m.plugin().name();
                }
                a = infuse.createAdapter(name, PluginConfig.of("adapter '" + name + "'", cfg), backbone.spec());
            }
            adapters.add(a);
            modes.put(a, use.mode());
        }
        return new Opened(adapters, loaded, modes, DownstreamModel.openLayers(infuse, backbone, spec));
    }

    /**
     * A probe: nothing is trained; the frozen backbone (with any pretrained or control adapters)
     * answers cloze queries through its own masked-LM head. Side adapters can take part only under
     * {@code add} fusion, which keeps the one hidden-size vector per token that head reads.
     */
    private static RunResult runProbe(Infuse infuse, Backbone backbone, RunSpec spec, Task task, Tasks.DataFiles files,
            Opened opened, long t0) {
        for (AdapterUse use : spec.adapters()) {
            if (use.mode() == AdapterMode.TRAIN) {
                throw new InfuseException("task-not-applicable", "task '" + task.name() + "' is a probe: nothing is trained on "
                        + "it, so adapter '" + use.name() + "' cannot be trained here; pretrain it on another task and plug it in");
            }
        }
        if (opened.layers().anyTrainable()) {
            throw new InfuseException("task-not-applicable", "task '" + task.name() + "' is a probe: nothing is trained on it, "
                    + "so the in-layer plug-ins " + opened.layers().names() + " cannot be trained here; train them on another "
                    + "task through the masked-LM head (e.g. entity-infill) and load that run's downstream model frozen "
                    + "(--head DIR --freeze-head)");
        }
        List<KnowledgeAdapter> adapters = opened.adapters();
        List<KnowledgeAdapter> sides = adapters.stream().filter(a -> !a.taps().isEmpty()).toList();
        String fusion = spec.fusion() == null ? "add" : spec.fusion();
        if (!sides.isEmpty() && !"add".equals(fusion)) {
            throw new InfuseException("task-not-applicable", "task '" + task.name() + "' answers through the backbone's frozen "
                    + "masked-LM head, which reads one " + backbone.spec().hiddenSize() + "-wide vector per token; the side "
                    + "network(s) of " + sides.stream().map(KnowledgeAdapter::name).toList() + " fused by '" + fusion
                    + "' do not give that (only 'add' fusion of a plugin trained through that head does, e.g. kilm)");
        }
        ComposedModel.Builder b = ComposedModel.builder(backbone).head(new MaskedLmHead(), false)
                .seed(spec.training().seed()).forTraining(false);
        adapters.forEach(a -> b.adapter(a, ComposedModel.Mode.FROZEN));
        opened.layers().addTo(b);
        if (!sides.isEmpty()) {
            b.fusion(infuse.createFusion(fusion, PluginConfig.of("fusion '" + fusion + "'", spec.fusionConfig()), backbone.spec(),
                    sides.size()), false);
        }
        try (ComposedModel model = b.build()) {
            opened.loaded().forEach(l -> model.loadWeights("adapter." + l.adapter().name(), floats(l)));
            loadFrozenDownstreamModel(model, spec, task, backbone);
            Task.Prepared data = task.prepare(new Task.Input(files.train(), files.dev(), model.tokenizer(), adapters,
                    spec.maxLength(), spec.dataSeed(), spec.maxTrain()));
            Task.Split queries = data.dev();
            LOG.info("probe {}: {} queries (skipped: {}); {} parameters, none trained", task.name(), queries.size(),
                    queries.skipped(), model.totalParameterCount());
            Task.Evaluation e = queries.evaluate(model, queries);
            Map<String, Double> metrics = e.metrics();
            createDirectories(spec.out());
            writeEvaluation(spec.out(), "", task, "dev", e);
            RunResult result = new RunResult(task.name(), metrics, new TrainingReport(List.of(), 0, metrics, false, 0), 0,
                    model.totalParameterCount(), Map.of(), queries.skipped(), (System.nanoTime() - t0) / 1e9, spec.out());
            OutputFiles.writeJson(spec.out().resolve("metrics.json"), summary(result, spec, task, backbone.precision()));
            return result;
        }
    }

    /**
     * A probe's {@code --head}: a downstream model trained through the masked-LM head (e.g. the in-layer
     * plug-ins of an {@code entity-infill} run), loaded frozen; one with another head cannot answer cloze queries.
     */
    private static void loadFrozenDownstreamModel(ComposedModel model, RunSpec spec, Task task, Backbone backbone) {
        if (spec.head().artifact() == null) {
            return;
        }
        DownstreamModel.load(model, downstreamModel(spec, new MaskedLmHead(), backbone, "task-not-applicable", "but task '"
                + task.name() + "' is a probe that answers through the backbone's masked-LM head, so --head must be a "
                + "downstream model trained through that head (e.g. by entity-infill)"));
    }

    /**
     * The fusion of a run's side adapters: the one asked for, else {@code add} for a masked-LM head
     * (its frozen output layer expects the hidden size, and an untrained side network that returns
     * only an update then leaves its predictions unchanged), else {@code concat}.
     */
    static String fusionName(RunSpec spec, TaskHead head) {
        if (spec.fusion() != null) {
            return spec.fusion();
        }
        return head instanceof MaskedLmHead ? "add" : "concat";
    }

    /** What a resumed run must share with the run that wrote the checkpoint. */
    private static Map<String, Object> runDescription(RunSpec spec, Task task, Task.Prepared data, Backbone backbone,
            Opened opened) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("task", task.name());
        Map<String, Object> options = new java.util.TreeMap<>(spec.taskOptions());
        options.remove("markers"); // recorded with the hyper-parameters, as before
        if (!options.isEmpty()) {
            run.put("task_options", options);
        }
        List<String> files = new ArrayList<>();
        data.files().forEach(f -> files.add(f.toAbsolutePath().normalize() + " sha256:" + Fingerprints.sha256(f)));
        if (task.data().builtIn() && data.files().isEmpty()) {
            files.add("embedded:" + task.name());
        }
        run.put("data", files);
        run.put("backbone", backbone.fingerprint());
        List<String> used = new ArrayList<>();
        for (KnowledgeAdapter a : opened.adapters()) {
            used.add(a.name() + " " + opened.modes().get(a).name().toLowerCase(java.util.Locale.ROOT));
        }
        opened.loaded().forEach(l -> used.add(l.adapter().name() + " weights " + l.artifact().manifest().weights().sha256()));
        run.put("adapters", used);
        if (!opened.layers().isEmpty()) {
            run.put("in_layer_plugins", opened.layers().describe());
        }
        run.put("hyper_parameters", hyperParameters(spec));
        run.put("cache", spec.cache());
        run.put("head", spec.head().artifact() == null ? "new" : spec.head().artifact() + (spec.head().frozen() ? " frozen" : ""));
        return run;
    }

    private static Map<String, float[]> floats(AdapterArtifacts.Loaded l) {
        Map<String, float[]> out = new LinkedHashMap<>();
        l.artifact().weights().forEach((k, v) -> out.put(k, v.floats()));
        return out;
    }

    private static Map<String, Object> hyperParameters(RunSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        TrainingConfig t = spec.training();
        m.put("epochs", t.epochs());
        m.put("batch_size", t.batchSize());
        m.put("learning_rate", t.learningRate());
        m.put("warmup_fraction", t.warmupFraction());
        m.put("clip_norm", t.clipNorm());
        m.put("patience", t.patience());
        if (t.evaluateEvery() != 1) {
            m.put("evaluate_every", t.evaluateEvery());
        }
        m.put("max_length", spec.maxLength());
        m.put("head_dropout", (double) spec.headDropout());
        m.put("fusion", spec.fusion() == null ? "task-default" : spec.fusion());
        if (!spec.fusionConfig().isEmpty()) {
            m.put("fusion_config", new java.util.TreeMap<>(spec.fusionConfig()));
        }
        m.put("max_train", spec.maxTrain());
        if (spec.dataSeedSet()) {
            m.put("data_seed", spec.dataSeed());
        }
        if (spec.markers() != null && RelationClassification.Markers.parse(spec.markers()) != RelationClassification.Markers.INFUSE) {
            // Only when not the default, so descriptions of earlier runs (and their checkpoints) stay the same.
            m.put("markers", RelationClassification.Markers.parse(spec.markers()).optionName());
        }
        if (spec.backboneDropout() > 0) {
            m.put("backbone_dropout", (double) spec.backboneDropout());
        }
        if (!spec.layerPlugins().isEmpty()) {
            List<Map<String, Object>> layers = new ArrayList<>();
            spec.layerPlugins().forEach(l -> layers.add(Map.of("name", l.name(), "config", new java.util.TreeMap<>(l.config()))));
            m.put("in_layer_plugins", layers);
        }
        return m;
    }

    private static Map<String, Object> summary(RunResult r, RunSpec spec, Task task, dev.infuse.spi.Precision precision) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", r.task());
        if (!spec.taskOptions().isEmpty()) {
            m.put("task_options", new java.util.TreeMap<>(spec.taskOptions()));
        }
        m.put("primary_metric", task.metric().name());
        m.put("backbone_precision", precision.label());
        m.put("environment", dev.infuse.api.RunEnvironment.collect(precision.label(), spec.training().batchSize()).toMap());
        m.put("metrics", r.metrics());
        m.put("best_epoch", r.report().bestEpoch());
        m.put("stopped_early", r.report().stoppedEarly());
        List<Map<String, Object>> epochs = new ArrayList<>();
        for (TrainingReport.EpochRecord e : r.report().epochs()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", e.epoch());
            row.put("loss", e.meanLoss());
            row.put("metrics", e.metrics());
            row.put("seconds", e.seconds());
            row.put("examples_per_second", e.examplesPerSecond());
            epochs.add(row);
        }
        m.put("epochs", epochs);
        m.put("trainable_parameters", r.trainableParameters());
        m.put("total_parameters", r.totalParameters());
        m.put("skipped_train", r.skippedTrain());
        m.put("skipped_dev", r.skippedDev());
        m.put("seconds", r.seconds());
        // The largest over the processes of a resumed training, each reading its own high-water mark.
        m.put("peak_rss_bytes", Math.max(dev.infuse.api.RunEnvironment.peakRssBytes(), r.report().earlierPeakRssBytes()));
        if (r.report().earlierSeconds() > 0) {
            Map<String, Object> resumed = new LinkedHashMap<>();
            resumed.put("earlier_seconds", r.report().earlierSeconds());
            resumed.put("earlier_peak_rss_bytes", r.report().earlierPeakRssBytes());
            m.put("resumed", resumed);
        }
        List<Map<String, Object>> adapters = new ArrayList<>();
        for (AdapterUse a : spec.adapters()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", a.name());
            row.put("mode", a.mode().name().toLowerCase(java.util.Locale.ROOT));
            row.put("artifact", a.artifact() == null ? null : a.artifact().toString());
            adapters.add(row);
        }
        m.put("adapters", adapters);
        m.put("hyper_parameters", hyperParameters(spec));
        return m;
    }

    private static void createDirectories(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot create output folder " + p + ": " + e.getMessage(), e);
        }
    }
}
