package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.ArtifactKind;
import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.Artifacts;
import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.Provenance;
import dev.infuse.api.TensorData;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingReport;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.PluginConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The built-in fusions and the K-Adapter side stack against plain-Java reference computations
 * ({@link Ref}) on random, non-trivial weights, and each fusion trained on the toy task and
 * round-tripped through an artifact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FusionReferenceTest {
    private static final double TOLERANCE = 2e-5;
    private Backbone backbone;
    private int h;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
        h = backbone.spec().hiddenSize();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    static SideAdapter sideA() {
        return new SideAdapter("a", new SideAdapterConfig(List.of(0, 2), 16, 2, 2, 24, 0.02, 0f));
    }

    static SideAdapter sideB() {
        return new SideAdapter("b", new SideAdapterConfig(List.of(1), 8, 1, 2, 16, 0.02, 0f));
    }

    private static PluginConfig fusionConfig(String name) {
        return name.equals("attention") ? PluginConfig.of("fusion 'attention'", Map.of("temperature", 1.7))
                : PluginConfig.empty(name);
    }

    private ComposedModel model(String fusion, List<SideAdapter> adapters, boolean head, boolean training) {
        var f = TinyBackbones.fusion(fusion).create(fusionConfig(fusion), backbone.spec(), adapters.size(), TestContext.shared());
        ComposedModel.Builder b = ComposedModel.builder(backbone).seed(5).forTraining(training).fusion(f, true);
        adapters.forEach(a -> b.adapter(a, ComposedModel.Mode.TRAINABLE));
        if (head) {
            b.head(new SequenceClassificationHead(2, 0f, SequenceClassificationHead.Pooling.MEAN), true);
        }
        return b.build();
    }

    private static Batch batch(ComposedModel m) {
        // sentences of 3 to 8 words: padded rows, so masked positions are part of the check
        ToyClassification toy = new ToyClassification(m.tokenizer(), 6, 9);
        return toy.batch(new int[] {0, 1, 2, 3, 4, 5});
    }

    private static List<float[]> fetch(ComposedModel m, Batch batch, List<Operand<TFloat32>> ops) {
        List<float[]> out = new ArrayList<>();
        try (Result r = m.run(batch, ops)) {
            for (int i = 0; i < ops.size(); i++) {
                out.add(Ref.floats(r.get(i)));
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"concat", "add", "attention", "residual"})
    void fusionMatchesPlainJava(String fusion) {
        try (ComposedModel m = model(fusion, List.of(sideA(), sideB()), false, false)) {
            Map<String, float[]> w = Ref.randomWeights(m.shapes("fusion"), 11, 0.3);
            if (!w.isEmpty()) {
                m.loadWeights("fusion", w);
            }
            Batch batch = batch(m);
            List<float[]> v = fetch(m, batch, List.of(m.hiddenStates().last(), m.sideOutputs().get("a"),
                    m.sideOutputs().get("b"), m.sequenceOutput()));
            double[] bb = Ref.toDouble(v.get(0));
            List<double[]> adapters = List.of(Ref.toDouble(v.get(1)), Ref.toDouble(v.get(2)));
            int n = bb.length / h;
            double[] expected = switch (fusion) {
                case "add" -> Ref.add(Ref.add(bb, adapters.get(0)), adapters.get(1));
                case "concat" -> concatReference(bb, adapters, n, w);
                case "attention" -> attentionReference(bb, adapters, n, w, 1.7);
                case "residual" -> Ref.add(Ref.add(bb, Ref.dense(adapters.get(0), n, h, h, w, "adapter_0")),
                        Ref.dense(adapters.get(1), n, h, h, w, "adapter_1"));
                default -> throw new AssertionError(fusion);
            };
            double diff = Ref.maxAbsDiff(v.get(3), expected);
            System.out.printf("fusion %s: max |graph - reference| = %.3g (max |output| %.3g)%n", fusion, diff, Ref.maxAbs(expected));
            assertThat(diff).as(fusion + " against the plain-Java reference").isLessThan(TOLERANCE * Math.max(1, Ref.maxAbs(expected)));
            // the fused output is not just the backbone's (the check would be vacuous)
            assertThat(Ref.maxAbsDiff(v.get(3), bb)).isGreaterThan(1e-2);
        }
    }

    @Test
    void residualFusionIsExactlyTheBackboneAtInitialisation() {
        try (ComposedModel m = model("residual", List.of(sideA(), sideB()), false, false)) {
            List<float[]> v = fetch(m, batch(m), List.of(m.hiddenStates().last(), m.sideOutputs().get("a"), m.sequenceOutput()));
            assertThat(v.get(2)).as("fused = backbone, bit for bit").containsExactly(v.get(0));
            assertThat(Ref.maxAbs(Ref.toDouble(v.get(1)))).as("the adapters' outputs are not zero").isGreaterThan(1e-2);
            assertThat(m.shapes("fusion")).containsKeys("adapter_0/kernel", "adapter_0/bias", "adapter_1/kernel", "adapter_1/bias");
        }
    }

    private double[] concatReference(double[] bb, List<double[]> adapters, int n, Map<String, float[]> w) {
        List<double[]> per = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            per.add(Ref.dense(concat(List.of(bb, adapters.get(i)), n, h), n, 2 * h, h, w, "adapter_" + i));
        }
        return per.size() == 1 ? per.get(0) : Ref.dense(concat(per, n, h), n, per.size() * h, h, w, "combine");
    }

    private double[] attentionReference(double[] bb, List<double[]> adapters, int n, Map<String, float[]> w, double temperature) {
        List<double[]> candidates = new ArrayList<>();
        candidates.add(bb);
        candidates.addAll(adapters);
        double[] q = Ref.dense(bb, n, h, h, w, "query");
        List<double[]> keys = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (double[] c : candidates) {
            keys.add(Ref.dense(c, n, h, h, w, "key"));
            values.add(Ref.dense(c, n, h, h, w, "value"));
        }
        double[] out = new double[n * h];
        int k = candidates.size();
        for (int r = 0; r < n; r++) {
            double[] s = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double dot = 0;
                for (int j = 0; j < h; j++) {
                    dot += q[r * h + j] * keys.get(c)[r * h + j];
                }
                s[c] = dot / (Math.sqrt(h) * temperature);
                max = Math.max(max, s[c]);
            }
            double z = 0;
            for (int c = 0; c < k; c++) {
                s[c] = Math.exp(s[c] - max);
                z += s[c];
            }
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < h; j++) {
                    out[r * h + j] += s[c] / z * values.get(c)[r * h + j];
                }
            }
        }
        return out;
    }

    /** Row-wise concatenation of [n, width] blocks. */
    private static double[] concat(List<double[]> parts, int n, int width) {
        double[] out = new double[n * width * parts.size()];
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < parts.size(); p++) {
                System.arraycopy(parts.get(p), r * width, out, (r * parts.size() + p) * width, width);
            }
        }
        return out;
    }

    @Test
    void sideAdapterStackMatchesPlainJava() {
        SideAdapter a = sideA();
        SideAdapterConfig c = a.sideConfig();
        try (ComposedModel m = model("add", List.of(a), false, false)) {
            Map<String, float[]> w = Ref.randomWeights(m.shapes("adapter.a"), 13, 0.3);
            // Small down-projections and biases: the first layer norm of each adapter layer then sees a
            // variance of about 1e-4, where its epsilon (1e-12) matters: 1e-6 would move the output visibly.
            w.replaceAll((k, v) -> {
                if (k.endsWith("/down/kernel") || k.endsWith("/bias")) {
                    float[] s = v.clone();
                    for (int i = 0; i < s.length; i++) {
                        s[i] *= 0.01f;
                    }
                    return s;
                }
                return v;
            });
            m.loadWeights("adapter.a", w);
            Batch batch = batch(m);
            List<Operand<TFloat32>> ops = new ArrayList<>();
            for (int t = 0; t <= m.hiddenStates().layerCount(); t++) {
                ops.add(m.hiddenStates().tap(t));
            }
            ops.add(m.hiddenStates().mask());
            ops.add(m.sideOutputs().get("a"));
            List<float[]> v = fetch(m, batch, ops);
            float[] mask = v.get(ops.size() - 2);
            int n = mask.length;
            int batchSize = (int) batch.tensors().values().iterator().next().shape().get(0);
            int time = n / batchSize;
            double[] previous = null;
            for (int i = 0; i < c.taps().size(); i++) {
                double[] input = Ref.toDouble(v.get(c.taps().get(i)));
                if (previous != null) {
                    input = Ref.add(input, previous);
                }
                String layer = "layer_" + i;
                double[] x = Ref.dense(input, n, h, c.adapterSize(), w, layer + "/down");
                for (int j = 0; j < c.transformerLayers(); j++) {
                    x = Ref.transformerLayer(x, mask, batchSize, time, c.adapterSize(), c.heads(), c.intermediateSize(), w,
                            layer + "/transformer_" + j, 1e-12);
                }
                previous = Ref.add(input, Ref.dense(x, n, c.adapterSize(), h, w, layer + "/up"));
            }
            double diff = Ref.maxAbsDiff(v.get(ops.size() - 1), previous);
            System.out.printf("side adapter stack: max |graph - reference| = %.3g (max |output| %.3g)%n", diff, Ref.maxAbs(previous));
            assertThat(diff).isLessThan(TOLERANCE * Math.max(1, Ref.maxAbs(previous)));
            assertThat(Ref.maxAbsDiff(v.get(ops.size() - 1), Ref.toDouble(v.get(2)))).isGreaterThan(1e-2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"concat", "add", "attention", "residual"})
    void fusionTrainsOnTheToyTaskAndRoundTripsThroughAnArtifact(String fusion, @TempDir Path tmp) {
        // the light adapter (one tap, one small transformer layer) keeps the three trainings short
        try (ComposedModel m = model(fusion, List.of(sideB()), true, true)) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 256, 1);
            ToyClassification dev = new ToyClassification(m.tokenizer(), 64, 2);
            double before = dev.evaluate(m).get("accuracy");
            Map<String, float[]> initial = m.weights("fusion");
            TrainingReport r = new Trainer(new TrainingConfig(5, 16, 0, 3e-3, 0.1, 1.0, 0, 5)).quiet().fit(m, train, dev);
            double after = dev.evaluate(m).get("accuracy");
            assertThat(after).as(fusion + " dev accuracy after training").isGreaterThan(Math.max(0.8, before));
            assertThat(r.epochs().get(r.epochs().size() - 1).meanLoss()).isLessThan(r.epochs().get(0).meanLoss());
            Map<String, float[]> trained = m.weights("fusion");
            // a fusion with weights trains them
            trained.forEach((k, v) -> assertThat(v).as(k + " changed by training").isNotEqualTo(initial.get(k)));

            Map<String, TensorData> tensors = new LinkedHashMap<>();
            var shapes = m.shapes("fusion");
            trained.forEach((k, v) -> tensors.put(k, TensorData.f32(v, shapes.get(k))));
            ArtifactManifest manifest = ArtifactManifest.create(new ArtifactManifest.Plugin(ArtifactKind.FUSION, fusion, "test"),
                    fusionConfig(fusion).effective(), ArtifactManifest.BackboneRef.of(backbone), Provenance.builder().seed(5).build());
            Artifacts.write(tmp.resolve("fusion"), manifest, tensors);
            LoadedArtifact loaded = Artifacts.read(tmp.resolve("fusion"));
            assertThat(loaded.manifest().plugin().name()).isEqualTo(fusion);

            try (ComposedModel fresh = model(fusion, List.of(sideB()), true, false)) {
                fresh.loadWeights("adapter.b", m.weights("adapter.b"));
                fresh.loadWeights("head", m.weights("head"));
                Map<String, float[]> fromArtifact = new LinkedHashMap<>();
                loaded.weights().forEach((k, t) -> fromArtifact.put(k, t.floats()));
                if (!fromArtifact.isEmpty()) {
                    fresh.loadWeights("fusion", fromArtifact);
                }
                Batch batch = batch(m);
                float[] a = fetch(m, batch, List.of(m.sequenceOutput())).get(0);
                float[] b = fetch(fresh, batch, List.of(fresh.sequenceOutput())).get(0);
                assertThat(b).as("fused output after the round trip").containsExactly(a);
                assertThat(dev.evaluate(fresh).get("accuracy")).isEqualTo(after);
            }
        }
    }
}
