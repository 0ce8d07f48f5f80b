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
            try (BertGraph g = new BertGraph(random(precisions[p]))) {
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

    private static float maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
