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
import dev.infuse.data.ConllU;
import dev.infuse.data.SemEval2010;
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
 * evaluates on the development split, and writes metrics, predictions in the data set's official
 * format and any trained adapter as an artifact into an output folder.
 */
public final class TaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    private TaskRunner() {}

    /** How an adapter takes part in a run. */
    public enum AdapterMode {
        /** Created from its configuration and trained in this run (pretraining). */
        TRAIN,
        /** Loaded from an artifact and kept frozen (downstream use). */
        PRETRAINED,
        /** Same shape as configured (or as an artifact's), left at its random initialisation and frozen. */
        CONTROL
    }

    /**
     * @param name adapter plugin name (ignored for PRETRAINED, where the artifact names it)
     * @param artifact artifact folder for PRETRAINED (and optionally CONTROL, to copy its shape)
     * @param config configuration for TRAIN and CONTROL
     */
    public record AdapterUse(String name, Path artifact, AdapterMode mode, Map<String, Object> config) {}

    /**
     * @param task task name (see {@link TaskCatalog})
     * @param train training file, or null for the data folder's default
     * @param dev development file, or null for the default (or a seeded 10% split)
     * @param dataDir data folder laid out like the shared data, or null
     * @param fusion fusion plugin name used when side adapters are present; null for the task's
     *     default ({@code add} before a masked-LM head, {@code concat} otherwise)
     * @param maxLength word pieces per example
     * @param cache use the activation cache when every adapter is a side network
     * @param headDropout dropout before the head's classifier
     * @param out output folder
     * @param checkpoint folder of the training checkpoint written after every epoch and resumed from
     *     when the same run is started again (see {@link Trainer#checkpoint}); null for none
     * @param markers entity marker pair of relation tasks ({@code infuse} or {@code authors}, see
     *     {@link RelationClassification.Markers}); null for the default
     * @param backboneDropout 0 to keep the frozen backbone deterministic (the default); a rate in
     *     (0, 1) applies dropout at that rate at every dropout point of the frozen backbone while
     *     training, as map-tuning's authors do (0.25), whatever rate the backbone was configured with
     *     (see {@link ComposedModel.Builder#backboneDropout(float)}); recorded in {@code metrics.json}.
     *     The activation cache is not used then, since the backbone's outputs vary from step to step.
     */
    public record RunSpec(String task, Path train, Path dev, Path dataDir, List<AdapterUse> adapters, String fusion,
            TrainingConfig training, int maxLength, boolean cache, float headDropout, Path out, int maxTrain,
            HeadUse head, Path checkpoint, String markers, float backboneDropout) {

        public RunSpec {
            if (!(backboneDropout >= 0 && backboneDropout < 1)) {
                throw new InfuseException("config-bad-value", "backbone dropout " + backboneDropout + ": expected a rate in [0, 1)");
            }
        }

        /** A run with a deterministic backbone. */
        public RunSpec(String task, Path train, Path dev, Path dataDir, List<AdapterUse> adapters, String fusion,
                TrainingConfig training, int maxLength, boolean cache, float headDropout, Path out, int maxTrain,
                HeadUse head, Path checkpoint, String markers) {
            this(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, maxTrain, head,
                    checkpoint, markers, 0f);
        }

        /** A run with the default entity markers. */
        public RunSpec(String task, Path train, Path dev, Path dataDir, List<AdapterUse> adapters, String fusion,
                TrainingConfig training, int maxLength, boolean cache, float headDropout, Path out, int maxTrain,
                HeadUse head, Path checkpoint) {
            this(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, maxTrain, head,
                    checkpoint, null);
        }

        /** A run on all training examples with a new head and no checkpoint. */
        public RunSpec(String task, Path train, Path dev, Path dataDir, List<AdapterUse> adapters, String fusion,
                TrainingConfig training, int maxLength, boolean cache, float headDropout, Path out) {
            this(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, 0, HeadUse.NEW, null);
        }

        /** A run on all training examples with a new head. */
        public RunSpec(String task, Path train, Path dev, Path dataDir, List<AdapterUse> adapters, String fusion,
                TrainingConfig training, int maxLength, boolean cache, float headDropout, Path out, Path checkpoint) {
            this(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, 0, HeadUse.NEW,
                    checkpoint);
        }

        /** This run with another entity marker pair ({@code infuse}, {@code authors}, or null for the default). */
        public RunSpec withMarkers(String markers) {
            return new RunSpec(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, maxTrain,
                    head, checkpoint, markers, backboneDropout);
        }

        /** This run with dropout at {@code rate} inside the frozen backbone while training (0 for none); see the record. */
        public RunSpec withBackboneDropout(float rate) {
            return new RunSpec(task, train, dev, dataDir, adapters, fusion, training, maxLength, cache, headDropout, out, maxTrain,
                    head, checkpoint, markers, rate);
        }
    }

    /**
     * The task head of a run: a new one (trained), or one saved by an earlier run ({@code <out>/head})
     * — trained further, or frozen (plug-and-play: a downstream model trained without a plugin, then
     * used with it). With a frozen head and no trainable adapter, nothing is trained and the run
     * only evaluates.
     *
     * @param artifact a head artifact folder, or null for a new head
     * @param frozen whether the loaded head stays fixed
     */
    public record HeadUse(Path artifact, boolean frozen) {
        public static final HeadUse NEW = new HeadUse(null, false);
    }

    /** What a run measured. */
    public record RunResult(String task, Map<String, Double> metrics, TrainingReport report, long trainableParameters,
            long totalParameters, Map<String, Integer> skippedTrain, Map<String, Integer> skippedDev, double seconds,
            Path output) {}

    public static RunResult run(Infuse infuse, Backbone backbone, RunSpec spec) {
        long t0 = System.nanoTime();
        TaskCatalog.Task task = TaskCatalog.task(spec.task());
        TaskCatalog.DataFiles files = TaskCatalog.resolve(task, spec.dataDir(), spec.train(), spec.dev());
        if (TaskCatalog.isProbe(task)) {
            return runProbe(infuse, backbone, spec, task, files, t0);
        }
        RelationClassification.Markers markers = RelationClassification.Markers.parse(spec.markers());

        Opened opened = openAdapters(infuse, backbone, spec);
        List<KnowledgeAdapter> adapters = opened.adapters();
        List<AdapterArtifacts.Loaded> loaded = opened.loaded();
        Map<KnowledgeAdapter, AdapterMode> modes = opened.modes();
        List<String> added = new ArrayList<>();
        adapters.forEach(a -> added.addAll(a.addedTokens()));
        var tokenizer = added.isEmpty() ? backbone.tokenizer() : backbone.tokenizer().withAddedTokens(added);

        if (task.embedded() || files.train() == null) {
            LOG.info("task {}: building its data from {}", task.name(), task.embedded() ? "the embedded source" : task.defaultTrain());
        } else {
            LOG.info("task {}: reading {}{}", task.name(), files.train(), files.dev() == null ? " (10% held out as dev)" : " and " + files.dev());
        }
        TaskCatalog.Prepared data = TaskCatalog.prepare(task, files.train(), files.dev(), tokenizer, adapters, spec.maxLength(),
                spec.training().seed(), spec.maxTrain(), markers);
        if (data.train().size() == 0 || data.dev().size() == 0) {
            throw new InfuseException("data-empty", "task '" + task.name() + "': " + data.train().size() + " training and "
                    + data.dev().size() + " development examples after featurisation (skipped: " + data.train().skipped() + ")");
        }
        if (data.train() instanceof RelationClassification r && r.labels().size() < 2) {
            throw new InfuseException("data-too-few-labels", "task '" + task.name() + "': " + files.train() + " has "
                    + r.labels().size() + " relation label(s) " + r.labels() + "; a classifier needs examples of at least 2");
        }
        TaskHead head = head(data.train(), spec.headDropout(), backbone.spec().hiddenSize());

        boolean sides = adapters.stream().anyMatch(a -> !a.taps().isEmpty());
        String fusionName = fusionName(spec, head);
        Fusion fusion = sides ? infuse.createFusion(fusionName, PluginConfig.empty("fusion '" + fusionName + "'"),
                backbone.spec(), (int) adapters.stream().filter(a -> !a.taps().isEmpty()).count()) : null;

        boolean headTrainable = spec.head().artifact() == null || !spec.head().frozen();
        // The masked-LM head and the add fusion have no weights: with frozen adapters only, such a run evaluates.
        boolean somethingBeyondAdapters = !(head instanceof dev.infuse.heads.MaskedLmHead)
                || (fusion != null && !fusion.name().equals("add"));
        boolean anyTraining = (headTrainable && somethingBeyondAdapters) || modes.containsValue(AdapterMode.TRAIN);
        ComposedModel.Builder b = ComposedModel.builder(backbone).head(head, headTrainable).seed(spec.training().seed())
                .forTraining(anyTraining).backboneDropout(anyTraining ? spec.backboneDropout() : 0f);
        for (KnowledgeAdapter a : adapters) {
            b.adapter(a, modes.get(a) == AdapterMode.TRAIN ? ComposedModel.Mode.TRAINABLE : ComposedModel.Mode.FROZEN);
        }
        if (fusion != null) {
            b.fusion(fusion, headTrainable);
        }
        TrainingData trainSource = data.train();
        TrainingData devSource = data.dev();
        boolean cacheable = spec.cache() && added.isEmpty() && adapters.stream().noneMatch(ComposedModel::changesInputs)
                && !(anyTraining && spec.backboneDropout() > 0);
        if (cacheable) {
            Path root = infuse.settings().cacheDirectory().resolve("activations");
            List<KnowledgeAdapter> frozenSides = adapters.stream()
                    .filter(a -> modes.get(a) != AdapterMode.TRAIN && !a.taps().isEmpty()).toList();
            boolean allFrozen = frozenSides.size() == adapters.size();
            int last = backbone.spec().layers();
            SortedSet<Integer> taps = new TreeSet<>();
            taps.add(last);
            List<KnowledgeAdapter> cachedSides = allFrozen ? frozenSides : List.of();
            if (cachedSides.isEmpty()) {
                adapters.forEach(a -> taps.addAll(a.taps()));
                // One tap cache per data set serves the baseline and every adapter with the default taps.
                taps.addAll(dev.infuse.nn.SideAdapterConfig.defaultTaps(last));
            }
            Map<String, Map<String, float[]>> weights = new LinkedHashMap<>();
            loaded.forEach(l -> weights.put(l.adapter().name(), floats(l)));
            ActivationCache trainCache = ActivationCache.open(root, backbone, data.train().texts(), taps, cachedSides, weights,
                    spec.training().seed(), 32, true);
            ActivationCache devCache = ActivationCache.open(root, backbone, data.dev().texts(), taps, cachedSides, weights,
                    spec.training().seed(), 32, true);
            trainSource = new CachedTrainingData(data.train(), trainCache);
            devSource = new CachedTrainingData(data.dev(), devCache);
            b.cachedTaps(taps).cachedSides(cachedSides.stream().map(KnowledgeAdapter::name).toList());
        }
        try (ComposedModel model = b.build()) {
            for (AdapterArtifacts.Loaded l : loaded) {
                model.loadWeights("adapter." + l.adapter().name(), floats(l));
            }
            LOG.info("model: {} trainable of {} parameters; {} training, {} development examples{}",
                    model.trainableParameterCount(), model.totalParameterCount(), data.train().size(), data.dev().size(),
                    cacheable ? "; backbone activations cached" : "");
            Evaluator evaluator = evaluator(data.dev(), devSource, task);
            if (spec.head().artifact() != null) {
                var h = dev.infuse.api.Artifacts.read(spec.head().artifact());
                if (h.manifest().plugin().kind() != dev.infuse.api.ArtifactKind.HEAD || !h.manifest().plugin().name().equals(head.name())) {
                    throw new InfuseException("artifact-config", spec.head().artifact() + ": holds a "
                            + h.manifest().plugin().kind().name().toLowerCase(java.util.Locale.ROOT) + " '" + h.manifest().plugin().name()
                            + "', not this task's head '" + head.name() + "'");
                }
                h.checkBackbone(backbone);
                Map<String, float[]> hw = new LinkedHashMap<>();
                h.weights().forEach((k, v) -> hw.put(k, v.floats()));
                model.loadWeights("head", hw);
            }
            TrainingReport report;
            if (anyTraining) {
                Trainer trainer = new Trainer(spec.training());
                if (spec.checkpoint() != null) {
                    trainer.checkpoint(spec.checkpoint(), runDescription(spec, task, data, backbone, adapters, modes, loaded));
                }
                report = trainer.fit(model, trainSource, evaluator);
            } else {
                LOG.info("nothing to train (frozen head, no trained adapter): evaluating only");
                Map<String, Double> m = evaluator.evaluate(model);
                report = new TrainingReport(List.of(), 0, m, false, 0);
            }
            Map<String, Double> metrics = report.bestMetrics();
            createDirectories(spec.out());
            writePredictions(model, data, devSource, spec.out());
            saveHead(model, head, backbone, spec, metrics);
            for (KnowledgeAdapter a : adapters) {
                if (modes.get(a) == AdapterMode.TRAIN) {
                    Provenance.Builder p = Provenance.builder().seed(spec.training().seed()).metrics(metrics)
                            .hyperParameters(hyperParameters(spec)).hyperParameter("task", task.name());
                    data.files().forEach(p::dataFile);
                    String version = infuse.registry().info(PluginKind.ADAPTER, a.name()).version();
                    AdapterArtifacts.save(model, a, version, spec.out().resolve("adapters").resolve(a.name()), p.build(), true);
                }
            }
            RunResult result = new RunResult(task.name(), metrics, report, model.trainableParameterCount(),
                    model.totalParameterCount(), data.train().skipped(), data.dev().skipped(), (System.nanoTime() - t0) / 1e9,
                    spec.out());
            writeJson(spec.out().resolve("metrics.json"), summary(result, spec, backbone.precision()));
            return result;
        }
    }

    /** A run's adapters, the artifacts of the pretrained ones, and how each takes part. */
    private record Opened(List<KnowledgeAdapter> adapters, List<AdapterArtifacts.Loaded> loaded,
            Map<KnowledgeAdapter, AdapterMode> modes) {}

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
        return new Opened(adapters, loaded, modes);
    }

    /**
     * A probe: nothing is trained; the frozen backbone (with any pretrained or control adapters)
     * answers cloze queries through its own masked-LM head. Side adapters can take part only under
     * {@code add} fusion, which keeps the one hidden-size vector per token that head reads.
     */
    private static RunResult runProbe(Infuse infuse, Backbone backbone, RunSpec spec, TaskCatalog.Task task,
            TaskCatalog.DataFiles files, long t0) {
        for (AdapterUse use : spec.adapters()) {
            if (use.mode() == AdapterMode.TRAIN) {
                throw new InfuseException("task-not-applicable", "task '" + task.name() + "' is a probe: nothing is trained on "
                        + "it, so adapter '" + use.name() + "' cannot be trained here; pretrain it on another task and plug it in");
            }
        }
        Opened opened = openAdapters(infuse, backbone, spec);
        List<KnowledgeAdapter> adapters = opened.adapters();
        List<AdapterArtifacts.Loaded> loaded = opened.loaded();
        List<KnowledgeAdapter> sides = adapters.stream().filter(a -> !a.taps().isEmpty()).toList();
        String fusion = spec.fusion() == null ? "add" : spec.fusion();
        if (!sides.isEmpty() && !"add".equals(fusion)) {
            throw new InfuseException("task-not-applicable", "task '" + task.name() + "' answers through the backbone's frozen "
                    + "masked-LM head, which reads one " + backbone.spec().hiddenSize() + "-wide vector per token; the side "
                    + "network(s) of " + sides.stream().map(KnowledgeAdapter::name).toList() + " fused by '" + fusion
                    + "' do not give that (only 'add' fusion of a plugin trained through that head does, e.g. kilm)");
        }
        ComposedModel.Builder b = ComposedModel.builder(backbone).head(new dev.infuse.heads.MaskedLmHead(), false)
                .seed(spec.training().seed()).forTraining(false);
        adapters.forEach(a -> b.adapter(a, ComposedModel.Mode.FROZEN));
        if (!sides.isEmpty()) {
            b.fusion(infuse.createFusion(fusion, PluginConfig.empty("fusion '" + fusion + "'"), backbone.spec(),
                    sides.size()), false);
        }
        try (ComposedModel model = b.build()) {
            loaded.forEach(l -> model.loadWeights("adapter." + l.adapter().name(), floats(l)));
            LamaProbeTask probe = TaskCatalog.probe(task, files, model.tokenizer(), adapters, spec.maxTrain());
            LOG.info("probe {}: {} queries (skipped: {}); {} parameters, none trained", task.name(), probe.size(),
                    probe.skipped(), model.totalParameterCount());
            List<LamaProbeTask.Prediction> predictions = probe.predict(model, 10);
            Map<String, Double> metrics = probe.score(predictions);
            createDirectories(spec.out());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LamaProbeTask.Prediction p : predictions) {
                List<Map<String, Object>> top = new ArrayList<>();
                for (int i = 0; i < p.top().size(); i++) {
                    top.add(Map.of("token", p.top().get(i), "probability", p.probabilities().get(i)));
                }
                rows.add(Map.of("relation", p.relation(), "subject", p.subject(), "object", p.object(), "top", top));
            }
            writeJsonLines(spec.out().resolve("predictions.jsonl"), rows);
            RunResult result = new RunResult(task.name(), metrics, new TrainingReport(List.of(), 0, metrics, false, 0), 0,
                    model.totalParameterCount(), Map.of(), probe.skipped(), (System.nanoTime() - t0) / 1e9, spec.out());
            writeJson(spec.out().resolve("metrics.json"), summary(result, spec, backbone.precision()));
            return result;
        }
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
        return head instanceof dev.infuse.heads.MaskedLmHead ? "add" : "concat";
    }

    /** Saves the run's head as {@code <out>/head} (an artifact of kind head), for plug-and-play reuse. */
    private static void saveHead(ComposedModel model, TaskHead head, Backbone backbone, RunSpec spec, Map<String, Double> metrics) {
        Map<String, float[]> w = model.weights("head");
        if (w.isEmpty()) {
            return;
        }
        Map<String, long[]> shapes = model.shapes("head");
        Map<String, dev.infuse.api.TensorData> tensors = new LinkedHashMap<>();
        w.forEach((k, v) -> tensors.put(k, dev.infuse.api.TensorData.f32(v, shapes.get(k))));
        Provenance p = Provenance.builder().seed(spec.training().seed()).metrics(metrics).hyperParameters(hyperParameters(spec))
                .hyperParameter("task", spec.task()).hyperParameter("backbone_precision", backbone.precision().label()).build();
        var manifest = dev.infuse.api.ArtifactManifest.create(
                new dev.infuse.api.ArtifactManifest.Plugin(dev.infuse.api.ArtifactKind.HEAD, head.name(), "0.1.0"),
                head.config(), dev.infuse.api.ArtifactManifest.BackboneRef.of(backbone), p);
        dev.infuse.api.Artifacts.write(spec.out().resolve("head"), manifest, tensors);
    }

    /** What a resumed run must share with the run that wrote the checkpoint. */
    private static Map<String, Object> runDescription(RunSpec spec, TaskCatalog.Task task, TaskCatalog.Prepared data,
            Backbone backbone, List<KnowledgeAdapter> adapters, Map<KnowledgeAdapter, AdapterMode> modes,
            List<AdapterArtifacts.Loaded> loaded) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("task", task.name());
        List<String> files = new ArrayList<>();
        data.files().forEach(f -> files.add(f.toAbsolutePath().normalize() + " sha256:" + Fingerprints.sha256(f)));
        if (task.embedded()) {
            files.add("embedded:" + task.name());
        }
        run.put("data", files);
        run.put("backbone", backbone.fingerprint());
        List<String> used = new ArrayList<>();
        for (KnowledgeAdapter a : adapters) {
            used.add(a.name() + " " + modes.get(a).name().toLowerCase(java.util.Locale.ROOT));
        }
        loaded.forEach(l -> used.add(l.adapter().name() + " weights " + l.artifact().manifest().weights().sha256()));
        run.put("adapters", used);
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

    static TaskHead head(TaskDataset train, float dropout, int hidden) {
        if (train instanceof RelationClassification r) {
            return r.head(dropout);
        }
        if (train instanceof EntityTyping e) {
            return e.head(dropout);
        }
        if (train instanceof DependencyHeads d) {
            return d.head(hidden, dropout);
        }
        if (train instanceof MaskedMentions m) {
            return m.head();
        }
        if (train instanceof EntityInfill e) {
            return e.head();
        }
        throw new AssertionError(train.getClass());
    }

    static Evaluator evaluator(TaskDataset dev, TrainingData source, TaskCatalog.Task task) {
        if (dev instanceof RelationClassification r) {
            return r.evaluator(source, TaskCatalog.scoring(task));
        }
        if (dev instanceof EntityTyping e) {
            return e.evaluator(source);
        }
        if (dev instanceof DependencyHeads d) {
            return d.evaluator(source);
        }
        if (dev instanceof MaskedMentions m) {
            return m.evaluator(source);
        }
        if (dev instanceof EntityInfill e) {
            return e.evaluator(source);
        }
        throw new AssertionError(dev.getClass());
    }

    /** Development-set predictions in the data set's own format. */
    private static void writePredictions(ComposedModel model, TaskCatalog.Prepared data, TrainingData source, Path out) {
        TaskDataset dev = data.dev();
        if (dev instanceof RelationClassification r) {
            List<String> predicted = r.predict(model, source);
            if (data.task().name().equals("semeval")) {
                Map<String, String> answers = new LinkedHashMap<>();
                Map<String, String> gold = new LinkedHashMap<>();
                for (int i = 0; i < r.size(); i++) {
                    answers.put(r.ids().get(i), predicted.get(i));
                    gold.put(r.ids().get(i), r.gold(i));
                }
                SemEval2010.writeAnswers(out.resolve("predictions.txt"), answers);
                SemEval2010.writeAnswers(out.resolve("gold.txt"), gold);
            } else {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (int i = 0; i < r.size(); i++) {
                    rows.add(Map.of("id", r.ids().get(i), "predicted", predicted.get(i), "gold", r.gold(i)));
                }
                writeJsonLines(out.resolve("predictions.jsonl"), rows);
            }
        } else if (dev instanceof EntityTyping e) {
            List<List<String>> predicted = e.predict(model, source);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < e.size(); i++) {
                rows.add(Map.of("id", e.ids().get(i), "predicted", predicted.get(i), "gold", e.gold(i)));
            }
            writeJsonLines(out.resolve("predictions.jsonl"), rows);
        } else if (dev instanceof EntityInfill e) {
            List<int[]> predicted = e.predict(model, source);
            var tok = model.tokenizer();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < e.size(); i++) {
                EntityInfill.Example x = e.examples().get(i);
                rows.add(Map.of("id", x.entityId(), "predicted", pieces(tok, predicted.get(i)), "gold", pieces(tok, x.labels())));
            }
            writeJsonLines(out.resolve("predictions.jsonl"), rows);
        } else if (dev instanceof DependencyHeads d) {
            List<int[]> predicted = d.predict(model, source);
            if (data.files().size() > 1) {
                Path original = data.files().get(1);
                var input = ConllU.read(original).records();
                ConllU.writeWithHeads(original, out.resolve("predictions.conllu"), d.alignToInput(predicted, input));
            }
        }
    }

    private static List<String> pieces(dev.infuse.spi.Tokenizer tok, int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tok.token(id));
        }
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
        m.put("max_length", spec.maxLength());
        m.put("head_dropout", (double) spec.headDropout());
        m.put("fusion", spec.fusion() == null ? "task-default" : spec.fusion());
        m.put("max_train", spec.maxTrain());
        RelationClassification.Markers markers = RelationClassification.Markers.parse(spec.markers());
        if (markers != RelationClassification.Markers.INFUSE) {
            // Only when not the default, so descriptions of earlier runs (and their checkpoints) stay the same.
            m.put("markers", markers.optionName());
        }
        if (spec.backboneDropout() > 0) {
            m.put("backbone_dropout", (double) spec.backboneDropout());
        }
        return m;
    }

    private static Map<String, Object> summary(RunResult r, RunSpec spec, dev.infuse.spi.Precision precision) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", r.task());
        m.put("backbone_precision", precision.label());
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

    /** Writes pretty JSON atomically (temp file, then rename). */
    public static void writeJson(Path file, Object value) {
        try {
            byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value);
            writeAtomically(file, bytes);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes JSON lines atomically. */
    public static void writeJsonLines(Path file, List<Map<String, Object>> rows) {
        try {
            ObjectMapper json = new ObjectMapper();
            StringBuilder s = new StringBuilder();
            for (Map<String, Object> row : rows) {
                s.append(json.writeValueAsString(row)).append('\n');
            }
            writeAtomically(file, s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
