package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.spi.BackboneProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class RandomBertTest {
    @TempDir
    Path cache;

    private static int[][] ids(int... lengths) {
        int max = java.util.Arrays.stream(lengths).max().orElseThrow();
        int[][] rows = new int[lengths.length][max];
        for (int r = 0; r < lengths.length; r++) {
            rows[r][0] = 2; // [CLS]
            for (int i = 1; i < lengths[r] - 1; i++) {
                rows[r][i] = 5 + (r * 31 + i * 17) % 200;
            }
            rows[r][lengths[r] - 1] = 3; // [SEP]
        }
        return rows;
    }

    @Test
    void buildsWithDynamicBatchAndLength() {
        BertBackbone backbone = RandomBertProvider.create(cache);
        assertThat(backbone.spec().describe()).isEqualTo("bert L2 H32 A2 I64 V" + SyntheticVocabulary.tokens().size() + " P64");
        try (BertGraph g = new BertGraph(backbone)) {
            assertThat(g.states.layerCount()).isEqualTo(2);
            for (int len : new int[] {5, 9}) {
                int[][] in = ids(len, len);
                List<float[]> out = g.run(in, null, List.of(g.states.tap(0), g.states.tap(1), g.states.last(), g.pooled));
                assertThat(out.get(0)).hasSize(2 * len * 32);
                assertThat(out.get(1)).hasSize(2 * len * 32);
                assertThat(out.get(2)).hasSize(2 * len * 32);
                assertThat(out.get(3)).hasSize(2 * 32);
                for (float v : out.get(3)) {
                    assertThat(v).isBetween(-1f, 1f); // tanh pooler
                }
                assertThat(out.get(2)).isNotEqualTo(out.get(1));
            }
        }
    }

    @Test
    void paddingDoesNotChangeRealPositions() {
        BertBackbone backbone = RandomBertProvider.create(cache);
        try (BertGraph g = new BertGraph(backbone)) {
            int[][] alone = ids(5);
            float[] single = g.run(alone, null, List.of(g.states.last())).get(0);
            // The same sentence padded to 9 next to a 9-token one, padding filled with non-zero ids.
            int[][] batch = ids(5, 9);
            int[][] mask = BertGraph.ones(batch);
            for (int i = 5; i < 9; i++) {
                batch[0][i] = 7 + i;
                mask[0][i] = 0;
            }
            List<float[]> out = g.run(batch, mask, List.of(g.states.last(), g.pooled));
            float[] padded = out.get(0);
            for (int i = 0; i < 5 * 32; i++) {
                assertThat(padded[i]).isCloseTo(single[i], within(1e-5f));
            }
            float[] pooledAlone = g.run(alone, null, List.of(g.pooled)).get(0);
            for (int i = 0; i < 32; i++) {
                assertThat(out.get(1)[i]).isCloseTo(pooledAlone[i], within(1e-5f));
            }
            // Without the mask the padding tokens do change the real positions: the mask is doing the work.
            float[] unmasked = g.run(batch, null, List.of(g.states.last())).get(0);
            double diff = 0;
            for (int i = 0; i < 5 * 32; i++) {
                diff = Math.max(diff, Math.abs(unmasked[i] - single[i]));
            }
            assertThat(diff).isGreaterThan(1e-4);
        }
    }

    @Test
    void gradientsReachAReplacedInputEmbedding() {
        BertBackbone backbone = RandomBertProvider.create(cache);
        int h = 32;
        try (BertGraph g = newGraphWithReplacement(backbone)) {
            Ops tf = g.scope.tf();
            Operand<TFloat32> replacement = tf.withName("replacement").placeholder(TFloat32.class,
                    org.tensorflow.op.core.Placeholder.shape(Shape.of(h)));
            // Replace position 1 of every row with the fed vector, as an input-side adapter would.
            Operand<TFloat32> select = tf.reshape(tf.constant(new float[] {0, 1, 0, 0, 0, 0}), tf.constant(new int[] {1, 6, 1}));
            Operand<TFloat32> emb = tf.math.add(tf.math.mul(g.wordEmbeddings, tf.math.sub(tf.constant(1f), select)),
                    tf.math.mul(select, replacement));
            var states = backbone.encode(g.scope, emb, g.types, g.mask);
            Operand<TFloat32> pooled = backbone.pool(g.scope, states);
            float[] w = new float[h];
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < h; i++) {
                w[i] = (float) rnd.nextGaussian();
            }
            Operand<TFloat32> loss = tf.math.mul(tf.reduceSum(tf.math.mul(pooled, tf.constant(w)), tf.constant(new int[] {0, 1})),
                    tf.constant(100f));
            Output<?>[] grads = g.build.graph().addGradients(loss.asOutput(), new Output<?>[] {replacement.asOutput()});

            Session s = g.session();
            float[] r = new float[h];
            for (int i = 0; i < h; i++) {
                r[i] = (float) (0.02 * rnd.nextGaussian());
            }
            int[][] in = ids(6, 6);
            float[][] lossAndGrad = runLoss(s, g, replacement, r, in, loss, grads[0]);
            float[] grad = lossAndGrad[1];
            double norm = 0;
            for (float v : grad) {
                assertThat(v).isFinite();
                norm += v * v;
            }
            assertThat(norm).isGreaterThan(0);
            // Central finite differences agree with the analytic gradient on the largest coordinates.
            int j = 0;
            for (int i = 1; i < h; i++) {
                if (Math.abs(grad[i]) > Math.abs(grad[j])) {
                    j = i;
                }
            }
            float eps = 1e-3f;
            float[] plus = r.clone();
            plus[j] += eps;
            float[] minus = r.clone();
            minus[j] -= eps;
            double numeric = (runLoss(s, g, replacement, plus, in, loss, grads[0])[0][0]
                    - runLoss(s, g, replacement, minus, in, loss, grads[0])[0][0]) / (2 * eps);
            assertThat(numeric).isCloseTo(grad[j], within(Math.abs(grad[j]) * 0.05 + 1e-3));
        }
    }

    private static BertGraph newGraphWithReplacement(BertBackbone backbone) {
        return new BertGraph(backbone, true);
    }

    private static float[][] runLoss(Session s, BertGraph g, Operand<TFloat32> replacement, float[] r, int[][] in,
            Operand<TFloat32> loss, Output<?> grad) {
        try (TInt32 i = BertGraph.matrix(in); TInt32 t = BertGraph.matrix(BertGraph.zeros(in));
                TInt32 m = BertGraph.matrix(BertGraph.ones(in));
                TFloat32 rv = TFloat32.tensorOf(Shape.of(r.length), DataBuffers.of(r, true, false));
                Result res = s.runner().feed(g.ids, i).feed(g.types, t).feed(g.mask, m).feed(replacement, rv)
                        .fetch(loss).fetch(grad).run()) {
            return new float[][] {BertGraph.floats((TFloat32) res.get(0)), BertGraph.floats((TFloat32) res.get(1))};
        }
    }

    @Test
    void maskedLmLogitsCoverTheVocabulary() {
        BertBackbone backbone = RandomBertProvider.create(cache);
        int vocab = backbone.spec().vocabularySize();
        try (BertGraph g = new BertGraph(backbone)) {
            Ops tf = g.scope.tf();
            Operand<TFloat32> flat = tf.reshape(g.states.last(), tf.constant(new int[] {-1, 32}));
            Operand<TFloat32> picked = tf.gather(flat, tf.constant(new int[] {1, 3, 7}), tf.constant(0));
            Operand<TFloat32> logits = backbone.maskedLmLogits(g.scope, picked);
            float[] out = g.run(ids(5, 5), null, List.of(logits)).get(0);
            assertThat(out).hasSize(3 * vocab);
            // Tied weights: the head reuses the one word-embedding parameter rather than creating another.
            assertThat(g.scope.parameterNames()).filteredOn(n -> n.endsWith("word_embeddings")).hasSize(1);
            // 12 per layer: query, key and value are one fused kernel and bias (BertWeights.FUSED_QKV).
            assertThat(g.scope.parameterNames()).hasSize(backbone.spec().layers() * 12 + 5 + 2 + 5);
        }
    }

    @Test
    void parametersCarryBertNamesAndValues() {
        BertBackbone backbone = RandomBertProvider.create(cache);
        BertWeights expected = RandomBertProvider.randomWeights(new BertDims(2, 32, 2, 64,
                SyntheticVocabulary.tokens().size(), 64, 2), 0);
        try (BertGraph g = new BertGraph(backbone)) {
            assertThat(g.scope.parameterNames()).contains("backbone/embeddings/word_embeddings",
                    "backbone/embeddings/LayerNorm/gamma", "backbone/encoder/layer_1/attention/self/query_key_value/kernel",
                    "backbone/encoder/layer_0/output/LayerNorm/beta", "backbone/pooler/dense/kernel");
            Session s = g.session();
            var p = g.build.parameter("backbone/encoder/layer_1/intermediate/dense/kernel");
            assertThat(g.build.read(s, p)).containsExactly(expected.get("encoder/layer_1/intermediate/dense/kernel").values());
            var gamma = g.build.parameter("backbone/embeddings/LayerNorm/gamma");
            assertThat(g.build.read(s, gamma)).containsOnly(1f);
        }
    }

    @Test
    void fingerprintDependsOnlyOnTheWeights() {
        String a = RandomBertProvider.create(cache).fingerprint();
        assertThat(a).matches("bert-L2-H32:sha256:[0-9a-f]{64}");
        assertThat(RandomBertProvider.create(cache).fingerprint()).isEqualTo(a);
        assertThat(RandomBertProvider.create(cache, Map.of("seed", 1)).fingerprint()).isNotEqualTo(a);
        assertThat(RandomBertProvider.create(cache, Map.of("layers", 3)).fingerprint()).startsWith("bert-L3-H32:sha256:");
    }

    @Test
    void tapsOutOfRangeAreReported() {
        try (BertGraph g = new BertGraph(RandomBertProvider.create(cache))) {
            assertThatThrownBy(() -> g.states.tap(3)).isInstanceOfSatisfying(InfuseException.class,
                    e -> assertThat(e.code()).isEqualTo("config-bad-tap"));
        }
    }

    @Test
    void syntheticVocabularyKeepsBertSpecialOrder() throws Exception {
        BertBackbone backbone = RandomBertProvider.create(cache);
        List<String> lines = Files.readAllLines(backbone.vocabularyFile());
        assertThat(lines.subList(0, 5)).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
        assertThat(lines).hasSize(backbone.spec().vocabularySize()).doesNotHaveDuplicates()
                .contains("a", "z", "0", "##a", "##9", ".", "the", "paris", "capital");
        assertThat(lines.size()).isBetween(300, 1000);
        assertThat(backbone.vocabularyFile().getParent()).isEqualTo(cache);
    }

    @Test
    void configurationIsValidated() {
        assertThatThrownBy(() -> RandomBertProvider.create(cache, Map.of("hidden", 30, "heads", 4)))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-bad-value"));
        assertThatThrownBy(() -> RandomBertProvider.create(cache, Map.of("layer", 3)))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("config-unknown-key");
                    assertThat(e.getMessage()).contains("'layer'").contains("did you mean 'layers'");
                });
        assertThatThrownBy(() -> RandomBertProvider.create(cache, Map.of("dropout", 1.5)))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.getMessage()).contains("dropout"));
    }

    @Test
    void providersAreDiscoveredByName() {
        List<String> names = ServiceLoader.load(BackboneProvider.class).stream().map(p -> p.get().name()).toList();
        assertThat(names).contains("bert", "bert-random");
        BackboneProvider random = ServiceLoader.load(BackboneProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("bert-random")).findFirst().orElseThrow();
        PluginConfig config = PluginConfig.of("backbone 'bert-random'", Map.of("cache_dir", cache.toString(), "layers", "1"));
        var b = random.create(config, new StandaloneContext(cache.resolve("unused"), 1));
        config.requireAllConsumed();
        assertThat(b.spec().layers()).isEqualTo(1);
        assertThat(config.effective()).containsEntry("layers", 1).containsEntry("hidden", 32);
    }

    @Test
    void dropoutActsOnlyWhileTrainingInATrainingGraph() {
        BertBackbone backbone = RandomBertProvider.create(cache, Map.of("dropout", 0.3));
        int[][] in = ids(6, 6);
        float[] inference;
        try (BertGraph g = new BertGraph(backbone)) {
            inference = g.run(in, null, List.of(g.states.last())).get(0);
        }
        try (var build = new dev.infuse.internal.graph.GraphBuild(7, true)) {
            var scope = build.component("backbone", false);
            var idsIn = scope.input("input_ids", TInt32.class, -1, -1);
            var typesIn = scope.input("token_type_ids", TInt32.class, -1, -1);
            var maskIn = scope.input("attention_mask", TInt32.class, -1, -1);
            var last = backbone.encode(scope, backbone.embedWords(scope, idsIn), typesIn, maskIn).last();
            try (Session s = new Session(build.graph())) {
                build.initialize(s);
                for (boolean training : new boolean[] {false, true}) {
                    try (TInt32 i = BertGraph.matrix(in); TInt32 t = BertGraph.matrix(BertGraph.zeros(in));
                            TInt32 m = BertGraph.matrix(BertGraph.ones(in));
                            var flag = org.tensorflow.types.TBool.scalarOf(training);
                            Result r = s.runner().feed(idsIn, i).feed(typesIn, t).feed(maskIn, m)
                                    .feed(build.training(), flag).fetch(last).run()) {
                        float[] out = BertGraph.floats((TFloat32) r.get(0));
                        if (training) {
                            assertThat(out).isNotEqualTo(inference);
                        } else {
                            for (int k = 0; k < out.length; k++) {
                                assertThat(out[k]).isCloseTo(inference[k], within(1e-5f));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void moduleInfoAndServicesFileDeclareTheSameProviders() throws Exception {
        String moduleInfo = Files.readString(Path.of("src/main/java/module-info.java"));
        List<String> services = Files.readAllLines(
                Path.of("src/main/resources/META-INF/services/dev.infuse.spi.BackboneProvider")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(services).containsExactlyInAnyOrder(BertProvider.class.getName(), RandomBertProvider.class.getName());
        for (String s : services) {
            assertThat(moduleInfo).contains(s);
        }
    }
}
