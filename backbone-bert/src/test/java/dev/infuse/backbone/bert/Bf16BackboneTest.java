package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/** The encoder in bfloat16: weights held as bf16 variables, fp32 taps close to fp32's, gradients through it. */
class Bf16BackboneTest {
    @TempDir
    Path cache;

    private static final int[][] IDS = {{2, 10, 11, 12, 13, 3}, {2, 14, 15, 3, 0, 0}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};

    private BertBackbone random(String precision) {
        // hidden 64 with 4 heads: head size 16, so 1/4 is folded into the query weights
        return RandomBertProvider.create(cache, Map.of("layers", 3, "hidden", 64, "heads", 4, "intermediate", 128,
                "precision", precision));
    }

    @Test
    void precisionIsAPropertyOfTheBackbone() {
        assertThat(random("fp32").precision()).isEqualTo(Precision.FP32);
        assertThat(random("bf16").precision()).isEqualTo(Precision.BF16);
        assertThat(RandomBertProvider.create(cache).precision()).as("bert-random defaults to fp32").isEqualTo(Precision.FP32);
    }

    @Test
    void anUnknownPrecisionIsConfigBadValue() {
        assertThatThrownBy(() -> random("half"))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("backbone 'bert-random': key 'precision' has value 'half' but expected fp32, bf16 or auto")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-bad-value");
    }

    @Test
    void bf16HoldsTheEncoderMatricesInBf16AndKeepsTapsFp32AndClose() {
        List<float[]> fp32;
        try (BertGraph g = new BertGraph(random("fp32"))) {
            fp32 = g.run(IDS, MASK, List.of(g.states.tap(0), g.states.tap(1), g.states.last(), g.pooled));
        }
        try (BertGraph g = new BertGraph(random("bf16"))) {
            var qkv = g.build.parameter("backbone/encoder/layer_0/attention/self/query_key_value/kernel");
            var ffn = g.build.parameter("backbone/encoder/layer_2/output/dense/kernel");
            var gamma = g.build.parameter("backbone/encoder/layer_0/output/LayerNorm/gamma");
            var words = g.build.parameter("backbone/embeddings/word_embeddings");
            assertThat(g.build.isBf16(qkv)).isTrue();
            assertThat(g.build.isBf16(ffn)).isTrue();
            assertThat(g.build.isBf16(gamma)).as("layer norms stay fp32").isFalse();
            assertThat(g.build.isBf16(words)).as("embeddings stay fp32").isFalse();
            assertThat(g.states.last().asOutput().type()).isEqualTo(TFloat32.class);
            List<float[]> bf16 = g.run(IDS, MASK, List.of(g.states.tap(0), g.states.tap(1), g.states.last(), g.pooled));
            assertThat(bf16.get(0)).as("embeddings are not touched by bf16").containsExactly(fp32.get(0));
            for (int i = 1; i < bf16.size(); i++) {
                float diff = maxAbsDiff(fp32.get(i), bf16.get(i));
                assertThat(diff).as("output %d: bf16 vs fp32", i).isLessThan(0.1f);
                assertThat(diff).as("output %d: bf16 must really change the products", i).isGreaterThan(0f);
            }
            // The stored kernel is the fp32 value rounded to bf16 (8 significant bits).
            float[] stored = g.build.read(g.session(), qkv);
            float[] exact = random("fp32").weights().derivedValues("encoder/layer_0/" + BertWeights.FUSED_QKV + "kernel");
            for (int i = 0; i < exact.length; i++) {
                assertThat(Math.abs(stored[i] - exact[i])).isLessThanOrEqualTo(Math.abs(exact[i]) / 256f + 1e-30f);
            }
        }
    }

    @Test
    void gradientsFlowThroughTheBf16EncoderToTheWordEmbeddings() {
        float[][] grads = new float[2][];
        String[] precisions = {"fp32", "bf16"};
        for (int p = 0; p < 2; p++) {
            try (BertGraph g = new BertGraph(random(precisions[p]), true)) {
                // A fixed projection of the last layer (the plain sum of a layer norm's output barely depends on its input).
                float[] w = new float[64];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) Math.sin(i + 1);
                }
                var tf = g.build.tf();
                Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(g.states.last(), tf.constant(w)), tf.constant(new int[] {0, 1, 2}));
                Output<?>[] dx = g.build.graph().addGradients(loss.asOutput(), new Output<?>[] {g.wordEmbeddings.asOutput()});
                @SuppressWarnings("unchecked")
                Operand<TFloat32> grad = (Operand<TFloat32>) dx[0];
                grads[p] = g.run(IDS, MASK, List.of(grad)).get(0);
            }
        }
        assertThat(grads[1]).hasSameSizeAs(grads[0]);
        double norm = 0;
        for (float v : grads[0]) {
            norm = Math.max(norm, Math.abs(v));
        }
        assertThat(norm).isGreaterThan(0);
        assertThat(maxAbsDiff(grads[0], grads[1]) / norm).as("relative gradient difference").isLessThan(0.1);
    }

    @Test
    void theMaskedLmHeadMultipliesByABf16CopyOfTheTiedTableAndAgreesWithFp32() {
        float[][] logits = new float[2][];
        String[] precisions = {"fp32", "bf16"};
        int vocab = 0;
        for (int p = 0; p < 2; p++) {
            BertBackbone backbone = random(precisions[p]);
            vocab = backbone.spec().vocabularySize();
            try (BertGraph g = new BertGraph(backbone)) {
                var tf = g.scope.tf();
                Operand<TFloat32> flat = tf.reshape(g.states.last(), tf.constant(new int[] {-1, 64}));
                Operand<TFloat32> picked = tf.gather(flat, tf.constant(new int[] {1, 2, 4, 7, 8}), tf.constant(0));
                Operand<TFloat32> out = backbone.maskedLmLogits(g.scope, picked);
                assertThat(out.asOutput().type()).as("logits are handed out in fp32").isEqualTo(TFloat32.class);
                var words = g.build.parameter("backbone/embeddings/word_embeddings");
                assertThat(g.build.isBf16(words)).as("the input lookup keeps the fp32 table").isFalse();
                assertThat(g.build.hasBf16Copy(words)).as("%s: a bf16 copy of the table", precisions[p]).isEqualTo(p == 1);
                assertThat(g.scope.parameterNames()).as("the copy is no second parameter")
                        .filteredOn(n -> n.endsWith("word_embeddings")).hasSize(1);
                assertThat(vocabularyProducts(g, vocab)).as("%s: dtype of the [rows, vocabulary] product", precisions[p])
                        .containsExactly(p == 1 ? TBfloat16.class : TFloat32.class);
                logits[p] = g.run(IDS, MASK, List.of(out)).get(0);
            }
        }
        assertThat(logits[1]).hasSize(5 * vocab);
        double scale = 0;
        for (float v : logits[0]) {
            scale = Math.max(scale, Math.abs(v));
        }
        float diff = maxAbsDiff(logits[0], logits[1]);
        // The encoder's bf16 differences plus the product's own rounding (8 significant bits of each
        // logit): within 1 % of the largest logit (measured: 0.0018 against 0.555, about 0.3 %).
        assertThat(diff).as("max |bf16 - fp32| of the logits (largest |logit| %.3f)", scale).isLessThan((float) (0.01 * scale));
        assertThat(diff).as("bf16 must really change the logits").isGreaterThan(0f);
        // Top-1 agrees wherever fp32's margin between its best two tokens exceeds twice the difference.
        int checked = 0;
        for (int r = 0; r < 5; r++) {
            int[] top = top2(logits[0], r * vocab, vocab);
            float margin = logits[0][r * vocab + top[0]] - logits[0][r * vocab + top[1]];
            if (margin > 2 * diff) {
                assertThat(top2(logits[1], r * vocab, vocab)[0]).as("row %d top-1", r).isEqualTo(top[0]);
                checked++;
            }
        }
        assertThat(checked).as("rows with a clear fp32 winner").isPositive();
    }

    @Test
    void aTrainableBackboneKeepsOneFp32TableForBothUses() {
        BertBackbone backbone = random("bf16");
        int vocab = backbone.spec().vocabularySize();
        var build = new dev.infuse.internal.graph.GraphBuild(7, true);  // a graph that takes gradients
        try (build) {
            var scope = build.component("backbone", true);
            var ids = scope.input("input_ids", org.tensorflow.types.TInt32.class, -1, -1);
            var tf = scope.tf();
            Operand<TFloat32> emb = backbone.embedWords(scope, ids);
            Operand<TFloat32> out = backbone.maskedLmLogits(scope, tf.reshape(emb, tf.constant(new int[] {-1, 64})));
            var words = build.parameter("backbone/embeddings/word_embeddings");
            assertThat(words.trainable()).isTrue();
            assertThat(build.hasBf16Copy(words)).as("a trained table is cast on use, so the tie holds").isFalse();
            Output<?>[] dx = build.graph().addGradients(tf.reduceSum(out, tf.constant(new int[] {0, 1})).asOutput(),
                    new Output<?>[] {words.value().asOutput()});
            assertThat(dx[0]).as("the head's gradient reaches the one table").isNotNull();
            assertThat(out.asOutput().shape().get(1)).isEqualTo(vocab);
        }
    }

    /** Output types of the graph's MatMul ops whose result has the vocabulary as its last dimension. */
    private static List<Class<?>> vocabularyProducts(BertGraph g, int vocab) {
        List<Class<?>> types = new java.util.ArrayList<>();
        g.build.graph().operations().forEachRemaining(op -> {
            if (op.type().equals("MatMul") && op.output(0).shape().numDimensions() == 2
                    && op.output(0).shape().get(1) == vocab) {
                types.add(op.output(0).type());
            }
        });
        return types;
    }

    private static int[] top2(float[] v, int from, int n) {
        int best = -1;
        int second = -1;
        for (int i = 0; i < n; i++) {
            if (best < 0 || v[from + i] > v[from + best]) {
                second = best;
                best = i;
            } else if (second < 0 || v[from + i] > v[from + second]) {
                second = i;
            }
        }
        return new int[] {best, second};
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
