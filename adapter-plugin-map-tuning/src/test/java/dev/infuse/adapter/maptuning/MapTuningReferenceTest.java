package dev.infuse.adapter.maptuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import dev.infuse.testkit.ToyClassification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Map-tuning's injected embedding against a plain-Java computation: at each pseudo-token the input
 * embedding is {@code map(KE[entity])} (affine, or Linear-GELU(erf)-Linear), elsewhere the frozen word
 * embedding; the embedding layer then adds position and segment embeddings and layer-normalises
 * (epsilon 1e-12). Checked on the encoder's tap 0 with random mapper weights and entity vectors.
 */
class MapTuningReferenceTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"affine", "mlp"})
    void injectedEmbeddingMatchesPlainJava(String mapper) throws Exception {
        SplittableRandom rnd = new SplittableRandom(17);
        int d = 5;
        StringBuilder emb = new StringBuilder();
        for (String id : List.of("Q1", "Q2", "Q3")) {
            emb.append(id);
            for (int j = 0; j < d; j++) {
                emb.append(j == 0 ? '\t' : ' ').append(String.format(Locale.ROOT, "%.4f", gaussian(rnd)));
            }
            emb.append('\n');
        }
        Path file = Files.writeString(tmp.resolve("e.txt"), emb.toString());
        try (Backbone b = TinyBackbones.create()) {
            PluginConfig c = PluginConfig.of("map-tuning", Map.of("embeddings", file.toString(), "mapper", mapper, "mapper_hidden", 7));
            var a = (MapTuningAdapter) new MapTuningProvider().create(c, b.spec(), TestContext.shared());
            try (ComposedModel m = ComposedModel.builder(b).adapter(a, ComposedModel.Mode.TRAINABLE).build()) {
                Map<String, float[]> w = new LinkedHashMap<>(m.weights("adapter.map-tuning"));
                for (var e : m.shapes("adapter.map-tuning").entrySet()) {
                    if (e.getKey().startsWith("mapper")) {
                        float[] v = new float[w.get(e.getKey()).length];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) (0.5 * gaussian(rnd));
                        }
                        w.put(e.getKey(), v);
                    }
                }
                m.loadWeights("adapter.map-tuning", w);
                Map<String, float[]> bw = m.weights("backbone");
                int h = b.spec().hiddenSize();
                float[] table = w.get("knowledge/entity_embeddings");
                assertThat(table).as("entity table as read from the file").hasSize(3 * d);

                var data = new ToyClassification(m.tokenizer(), 5, 3, List.of(a));
                try (Batch batch = data.batch(new int[] {0, 1, 2, 3, 4});
                        Result r = m.run(batch, List.of(m.hiddenStates().tap(0)))) {
                    float[] tap0 = floats((TFloat32) r.get(0));
                    int[] ids = ints((TInt32) batch.tensors().get("input_ids"));
                    int[] types = ints((TInt32) batch.tensors().get("token_type_ids"));
                    int[] entity = ints((TInt32) batch.tensors().get(MapTuningAdapter.INPUT));
                    int time = (int) batch.tensors().get("input_ids").shape().get(1);
                    int injected = 0;
                    double maxDiff = 0;
                    for (int p = 0; p < ids.length; p++) {
                        double[] x = new double[h];
                        if (entity[p] >= 0) {
                            injected++;
                            double[] ke = new double[d];
                            for (int j = 0; j < d; j++) {
                                ke[j] = table[entity[p] * d + j];
                            }
                            x = mapper.equals("affine") ? dense(ke, d, h, w.get("mapper/kernel"), w.get("mapper/bias"))
                                    : dense(gelu(dense(ke, d, 7, w.get("mapper/hidden/kernel"), w.get("mapper/hidden/bias"))), 7, h,
                                            w.get("mapper/out/kernel"), w.get("mapper/out/bias"));
                        } else {
                            for (int j = 0; j < h; j++) {
                                x[j] = bw.get("embeddings/word_embeddings")[ids[p] * h + j];
                            }
                        }
                        int t = p % time;
                        for (int j = 0; j < h; j++) {
                            x[j] += bw.get("embeddings/position_embeddings")[t * h + j]
                                    + bw.get("embeddings/token_type_embeddings")[types[p] * h + j];
                        }
                        double[] y = layerNorm(x, bw.get("embeddings/LayerNorm/gamma"), bw.get("embeddings/LayerNorm/beta"), 1e-12);
                        for (int j = 0; j < h; j++) {
                            maxDiff = Math.max(maxDiff, Math.abs(tap0[p * h + j] - y[j]));
                        }
                    }
                    System.out.printf("map-tuning %s: %d injected positions, max |graph - reference| = %.3g%n", mapper, injected, maxDiff);
                    assertThat(injected).isEqualTo(5);
                    assertThat(maxDiff).isLessThan(2e-5);
                }
            }
        }
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static double[] dense(double[] x, int in, int out, float[] w, float[] b) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) {
                s += x[i] * w[i * out + o];
            }
            y[o] = s;
        }
        return y;
    }

    /** GELU x * Phi(x) with erf from its Maclaurin series (plain arithmetic, no library). */
    static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double z = x[i] / Math.sqrt(2);
            double az = Math.abs(z);
            double erf;
            if (az > 5) {
                erf = Math.signum(z);
            } else {
                double sum = 0;
                double term = az;
                for (int n = 0; n < 200 && Math.abs(term) > 1e-18; n++) {
                    sum += term / (2 * n + 1);
                    term *= -az * az / (n + 1);
                }
                erf = Math.signum(z) * 2 / Math.sqrt(Math.PI) * sum;
            }
            y[i] = 0.5 * x[i] * (1 + erf);
        }
        return y;
    }

    static double[] layerNorm(double[] x, float[] gamma, float[] beta, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = (x[j] - mean) / Math.sqrt(var + eps) * gamma[j] + beta[j];
        }
        return y;
    }

    static float[] floats(TFloat32 t) {
        float[] out = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(out);
        return out;
    }

    static int[] ints(TInt32 t) {
        int[] out = new int[(int) t.shape().size()];
        t.asRawTensor().data().asInts().read(out);
        return out;
    }
}
