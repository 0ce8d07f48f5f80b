package dev.infuse.bench;

import dev.infuse.api.ActivationCache;
import dev.infuse.api.CachedTrainingData;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingData;
import dev.infuse.api.TrainingReport;
import dev.infuse.data.SemEvalExample;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.tasks.RelationClassification;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Adapter training with and without the activation cache: a small K-Adapter with concat fusion and
 * the relation head on SemEval sentences, two epochs each; the second epoch is compared (the first
 * carries graph warm-up).
 */
final class CacheBench {
    private static final List<Integer> TAPS = List.of(0, 6, 11);
    static final int BATCH = 32;

    private CacheBench() {}

    /**
     * @param plainEpoch2 seconds of the second epoch running the backbone
     * @param cachedEpoch2 seconds of the second epoch reading the cache
     * @param fillSeconds time to fill the cache once
     */
    record Figures(int sentences, double plainEpoch1, double plainEpoch2, double cachedEpoch1, double cachedEpoch2,
            double fillSeconds, double plainLoss2, double cachedLoss2, double evalSeconds) {}

    static Figures run(Backbone backbone, List<SemEvalExample> examples, Path cacheRoot) {
        RelationClassification data = RelationClassification.fromSemEval(examples, backbone.tokenizer(), 128);
        // Batch 32: the default of infuse train and eval.
        TrainingConfig config = TrainingConfig.defaults().withEpochs(2).withBatchSize(BATCH);

        System.out.println("  without cache: 2 epochs over " + data.size() + " sentences");
        TrainingReport plain;
        double evalSeconds;
        try (ComposedModel model = builder(backbone, data).build()) {
            plain = new Trainer(config).quiet().fit(model, data, null);
            evalSeconds = evaluate(model, data);
            System.out.printf("  evaluation pass (backbone + adapter + head, batch 32): %.1f s%n", evalSeconds);
        }
        print("without cache", plain);

        SortedSet<Integer> taps = new TreeSet<>(TAPS);
        taps.add(backbone.spec().layers());
        long t0 = System.nanoTime();
        ActivationCache cache = ActivationCache.open(cacheRoot, backbone, data.texts(), taps, 32, false);
        double fill = (System.nanoTime() - t0) / 1e9;
        System.out.printf("  cache filled in %.1f s (taps %s)%n", fill, taps);
        TrainingData cached = new CachedTrainingData(data, cache);
        TrainingReport withCache;
        try (ComposedModel model = builder(backbone, data).cachedTaps(taps).build()) {
            withCache = new Trainer(config).quiet().fit(model, cached, null);
        }
        print("with cache", withCache);
        return new Figures(data.size(), plain.epochs().get(0).seconds(), plain.epochs().get(1).seconds(),
                withCache.epochs().get(0).seconds(), withCache.epochs().get(1).seconds(), fill,
                plain.epochs().get(1).meanLoss(), withCache.epochs().get(1).meanLoss(), evalSeconds);
    }

    /** One prediction pass over the data (length-bucketed batches of 32), fetching every head output. */
    private static double evaluate(ComposedModel model, TrainingData data) {
        int[] lengths = new int[data.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.length(i);
        }
        List<int[]> order = dev.infuse.api.Batches.bucketed(lengths, 32, 0, null);
        List<org.tensorflow.Operand<?>> fetches = List.copyOf(model.headOutputs().orElseThrow().outputs().values());
        long t0 = System.nanoTime();
        for (int[] idx : order) {
            try (dev.infuse.api.Batch b = data.batch(idx); org.tensorflow.Result r = model.run(b, fetches)) {
                r.get(0);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static ComposedModel.Builder builder(Backbone backbone, RelationClassification data) {
        SideAdapter adapter = new SideAdapter("factual", new SideAdapterConfig(TAPS, 192, 1, 4, 768, 2e-4, 0.1f));
        return ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE)
                .fusion(concat(backbone), true).head(data.head(0.1f), true).seed(42).forTraining(true);
    }

    private static Fusion concat(Backbone backbone) {
        FusionProvider p = ServiceLoader.load(FusionProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("concat")).findFirst()
                .orElseThrow(() -> new InfuseException("plugin-not-found", "no fusion 'concat' on the class path"));
        PluginContext context = new PluginContext() {
            @Override
            public Path cacheDirectory() {
                return Path.of(System.getProperty("java.io.tmpdir"));
            }

            @Override
            public long seed() {
                return 42;
            }

            @Override
            public <T> T service(Class<T> type) {
                throw new InfuseException("plugin-missing-service", "the benchmark offers no service " + type.getName());
            }
        };
        return p.create(PluginConfig.empty("fusion 'concat'"), backbone.spec(), 1, context);
    }

    private static void print(String what, TrainingReport r) {
        for (TrainingReport.EpochRecord e : r.epochs()) {
            System.out.printf("  %s: epoch %d %.1f s (%.1f sentences/s, loss %.4f)%n", what, e.epoch(), e.seconds(),
                    e.examplesPerSecond(), e.meanLoss());
        }
    }
}
