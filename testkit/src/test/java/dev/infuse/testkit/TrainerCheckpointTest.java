package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingData;
import dev.infuse.api.TrainingReport;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints after every epoch: an interrupted run resumes to the same result; other runs are refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerCheckpointTest {
    static final TrainingConfig CONFIG = new TrainingConfig(3, 16, 0, 3e-3, 0.1, 1.0, 0, 5);
    static final Map<String, Object> RUN = Map.of("task", "toy", "data", "toy-64-seed-1");

    Backbone backbone;

    @TempDir
    Path tmp;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    ComposedModel model() {
        var adapter = new SideAdapter("side", new SideAdapterConfig(List.of(0, 2), 16, 1, 2, 32, 0.02, 0f));
        var fusion = TinyBackbones.fusion("concat").create(PluginConfig.empty("concat"), backbone.spec(), 1, TestContext.shared());
        return ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE).fusion(fusion, true)
                .head(new SequenceClassificationHead(2, 0f, SequenceClassificationHead.Pooling.MEAN), true).seed(3)
                .forTraining(true).build();
    }

    /** Counts batches and lets a test act before the n-th one. */
    static final class Watched implements TrainingData {
        final TrainingData inner;
        final AtomicInteger batches = new AtomicInteger();
        IntConsumer beforeBatch = n -> {};

        Watched(TrainingData inner) {
            this.inner = inner;
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int length(int i) {
            return inner.length(i);
        }

        @Override
        public Batch batch(int[] indices) {
            beforeBatch.accept(batches.incrementAndGet());
            return inner.batch(indices);
        }
    }

    /** Fails when asked to evaluate epoch {@code failAt}: stands in for a crash after the previous checkpoint. */
    static Evaluator crashingAt(Evaluator inner, int failAt) {
        AtomicInteger calls = new AtomicInteger();
        return new Evaluator() {
            @Override
            public Map<String, Double> evaluate(ComposedModel model) {
                if (calls.incrementAndGet() == failAt) {
                    throw new IllegalStateException("simulated crash in epoch " + failAt);
                }
                return inner.evaluate(model);
            }

            @Override
            public String primaryMetric() {
                return inner.primaryMetric();
            }
        };
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(Path file) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, float[]> weights(ComposedModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String c : List.of("adapter.side", "fusion", "head")) {
            m.weights(c).forEach((k, v) -> out.put(c + "/" + k, v));
        }
        return out;
    }

    @Test
    void anInterruptedRunResumesToTheSameWeightsAsAnUninterruptedOne() {
        Map<String, float[]> expected;
        TrainingReport full;
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 64, 1);
            ToyClassification dev = new ToyClassification(m.tokenizer(), 32, 2);
            full = new Trainer(CONFIG).quiet().checkpoint(tmp.resolve("a"), RUN).fit(m, train, dev);
            expected = weights(m);
        }
        Path dir = tmp.resolve("b");
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 64, 1);
            ToyClassification dev = new ToyClassification(m.tokenizer(), 32, 2);
            var crash = catchThrowableOfType(IllegalStateException.class,
                    () -> new Trainer(CONFIG).quiet().checkpoint(dir, RUN).fit(m, train, crashingAt(dev, 2)));
            assertThat(crash).hasMessageContaining("simulated crash");
        }
        assertThat(dir.resolve("checkpoint.json")).exists();
        // The checkpoint of epoch 1 records the crashed process's time and memory, which the resumed run reports.
        var saved = readJson(dir.resolve("checkpoint.json"));
        double earlierSeconds = saved.path("elapsed_seconds").asDouble();
        long earlierPeak = saved.path("peak_rss_bytes").asLong();
        assertThat(earlierSeconds).isPositive();
        if (dev.infuse.api.RunEnvironment.peakRssBytes() > 0) { // recorded where the system reports it
            assertThat(earlierPeak).isPositive();
        } else {
            assertThat(earlierPeak).isEqualTo(-1);
        }
        Map<String, float[]> resumedWeights;
        TrainingReport resumed;
        Watched data;
        try (ComposedModel m = model()) {
            data = new Watched(new ToyClassification(m.tokenizer(), 64, 1));
            ToyClassification dev = new ToyClassification(m.tokenizer(), 32, 2);
            resumed = new Trainer(CONFIG).quiet().checkpoint(dir, RUN).fit(m, data, dev);
            resumedWeights = weights(m);
        }
        // Two epochs of 4 batches were run, not three.
        assertThat(data.batches.get()).isEqualTo(8);
        assertThat(full.earlierSeconds()).isZero();
        assertThat(full.earlierPeakRssBytes()).isEqualTo(-1);
        assertThat(resumed.earlierSeconds()).isEqualTo(earlierSeconds);
        assertThat(resumed.earlierPeakRssBytes()).isEqualTo(earlierPeak);
        assertThat(resumed.epochs()).extracting(TrainingReport.EpochRecord::epoch).containsExactly(1, 2, 3);
        assertThat(resumed.bestEpoch()).isEqualTo(full.bestEpoch());
        assertThat(resumed.bestMetrics()).isEqualTo(full.bestMetrics());
        for (int e = 0; e < 3; e++) {
            assertThat(resumed.epochs().get(e).meanLoss()).as("epoch " + (e + 1))
                    .isCloseTo(full.epochs().get(e).meanLoss(), within(1e-5));
        }
        expected.forEach((k, v) -> {
            float[] got = resumedWeights.get(k);
            for (int i = 0; i < v.length; i++) {
                assertThat(got[i]).as(k + "[" + i + "]").isCloseTo(v[i], within(1e-4f));
            }
        });

        // A finished run restarted with the same configuration trains nothing and returns the same result.
        try (ComposedModel m = model()) {
            Watched again = new Watched(new ToyClassification(m.tokenizer(), 64, 1));
            TrainingReport r = new Trainer(CONFIG).quiet().checkpoint(dir, RUN).fit(m, again, new ToyClassification(m.tokenizer(), 32, 2));
            assertThat(again.batches.get()).isZero();
            assertThat(r.bestMetrics()).isEqualTo(full.bestMetrics());
        }
    }

    @Test
    void aCheckpointOfAnotherRunIsRefusedNamingWhatDiffers() {
        Path dir = tmp.resolve("c");
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 32, 1);
            new Trainer(CONFIG.withEpochs(1)).quiet().checkpoint(dir, RUN).fit(m, train, null);
            InfuseException e = catchThrowableOfType(InfuseException.class, () -> new Trainer(CONFIG.withEpochs(1).withLearningRate(1e-2))
                    .quiet().checkpoint(dir, Map.of("task", "toy", "data", "other")).fit(m, train, null));
            assertThat(e.code()).isEqualTo("config-checkpoint-mismatch");
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains(dir.toString(), "data", "training").doesNotContain("task");
            // Evaluating less often is another run too (its best epoch can differ).
            InfuseException every = catchThrowableOfType(InfuseException.class, () -> new Trainer(CONFIG.withEpochs(1)
                    .withEvaluateEvery(2)).quiet().checkpoint(dir, RUN).fit(m, train, null));
            assertThat(every.code()).isEqualTo("config-checkpoint-mismatch");
            assertThat(every.getMessage()).contains("training");
        }
    }

    @Test
    void aNonFiniteLossKeepsTheLastGoodCheckpointOnDisk() throws Exception {
        Path dir = tmp.resolve("d");
        try (ComposedModel m = model()) {
            Watched data = new Watched(new ToyClassification(m.tokenizer(), 32, 1));
            Map<String, float[]> poison = new LinkedHashMap<>();
            m.weights("head").forEach((k, v) -> poison.put(k, filled(v.length, Float.NaN)));
            data.beforeBatch = n -> {
                if (n == 3) { // first batch of epoch 2
                    m.loadWeights("head", poison);
                }
            };
            InfuseException e = catchThrowableOfType(InfuseException.class,
                    () -> new Trainer(CONFIG).quiet().checkpoint(dir, RUN).fit(m, data, null));
            assertThat(e.code()).isEqualTo("train-non-finite-loss");
            assertThat(e.getMessage()).contains("checkpoint of epoch 1", dir.toString());
            // The restored in-memory weights are epoch 1's, finite.
            m.weights("head").values().forEach(v -> assertThat(v).doesNotContain(Float.NaN));
        }
        assertThat(Files.readString(dir.resolve("checkpoint.json"))).contains("\"epoch\" : 1");
        // The kept checkpoint is readable and finite (the reader refuses NaN).
        assertThat(SafeTensors.read(dir.resolve("state.safetensors")).tensors()).isNotEmpty();
    }

    @Test
    void aCorruptCheckpointIsAClearError() throws Exception {
        Path dir = tmp.resolve("e");
        try (ComposedModel m = model()) {
            new Trainer(CONFIG.withEpochs(1)).quiet().checkpoint(dir, RUN).fit(m, new ToyClassification(m.tokenizer(), 32, 1), null);
            Files.writeString(dir.resolve("checkpoint.json"), "{\"format\": 1, \"run_key\": ");
            InfuseException e = catchThrowableOfType(InfuseException.class, () -> new Trainer(CONFIG.withEpochs(1)).quiet()
                    .checkpoint(dir, RUN).fit(m, new ToyClassification(m.tokenizer(), 32, 1), null));
            assertThat(e.code()).isEqualTo("artifact-config");
            assertThat(e.getMessage()).contains(dir.resolve("checkpoint.json").toString(), "delete the checkpoint folder");
        }
    }

    static float[] filled(int n, float v) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }
}
