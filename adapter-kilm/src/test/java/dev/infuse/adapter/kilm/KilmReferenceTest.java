package dev.infuse.adapter.kilm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.TokenizedText;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * KILM's added tokens against a plain-Java computation of the embedding layer: an added token's input
 * embedding is its own row of the adapter's table, every other token keeps its frozen word embedding;
 * then position and segment embeddings are added and the sum layer-normalised (epsilon 1e-12).
 * Random token rows; a sentence pair, so segment 1 is part of the check.
 */
class KilmReferenceTest {

    @Test
    void addedTokensGetTheirOwnRowsInTheEmbeddingLayer() {
        try (Backbone b = TinyBackbones.create()) {
            PluginConfig c = PluginConfig.of("adapter 'kilm'", Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32,
                    "adapter_layers", 1, "dropout", 0.0));
            KnowledgeAdapter a = new KilmAdapterProvider().create(c, b.spec(), TestContext.shared());
            var fusion = TinyBackbones.fusion("add").create(PluginConfig.empty("fusion 'add'"), b.spec(), 1, TestContext.shared());
            try (ComposedModel m = ComposedModel.builder(b).adapter(a, ComposedModel.Mode.TRAINABLE).fusion(fusion, true).build()) {
                int h = b.spec().hiddenSize();
                Map<String, float[]> w = new LinkedHashMap<>(m.weights("adapter.kilm"));
                float[] rows = w.get("token_embeddings");
                assertThat(rows).as("one row per added token").hasSize(5 * h);
                SplittableRandom rnd = new SplittableRandom(23);
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = (float) (Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
                }
                m.loadWeights("adapter.kilm", w);
                Map<String, float[]> bw = m.weights("backbone");

                List<String> added = KilmTokens.DEFAULT.asList();
                TokenizedText pair = m.tokenizer().encodePair("the <ent> cat </ent> is old", "<ent_desc> a dog </ent_desc> <sep> house");
                TokenizedText single = m.tokenizer().encode("a <ent> house </ent>");
                int base = m.tokenizer().baseVocabularySize();
                try (Batch batch = Batches.standard(List.of(pair, single), m.tokenizer().padId());
                        Result r = m.run(batch, List.of(m.hiddenStates().tap(0)))) {
                    TFloat32 t0 = (TFloat32) r.get(0);
                    int seen = 0;
                    double maxDiff = 0;
                    int time = pair.length();
                    for (int e = 0; e < 2; e++) {
                        TokenizedText text = e == 0 ? pair : single;
                        for (int t = 0; t < time; t++) {
                            int id = t < text.length() ? text.ids()[t] : m.tokenizer().padId();
                            int type = t < text.length() ? text.typeIds()[t] : 0;
                            double[] x = new double[h];
                            if (id >= base) {
                                int k = added.indexOf(text.tokens()[t]);
                                assertThat(k).as("added token " + text.tokens()[t]).isNotNegative();
                                assertThat(id).isEqualTo(m.tokenizer().tokenId(added.get(k)));
                                seen++;
                                for (int j = 0; j < h; j++) {
                                    x[j] = rows[k * h + j];
                                }
                            } else {
                                for (int j = 0; j < h; j++) {
                                    x[j] = bw.get("embeddings/word_embeddings")[id * h + j];
                                }
                            }
                            for (int j = 0; j < h; j++) {
                                x[j] += bw.get("embeddings/position_embeddings")[t * h + j]
                                        + bw.get("embeddings/token_type_embeddings")[type * h + j];
                            }
                            double mean = 0;
                            for (double v : x) {
                                mean += v;
                            }
                            mean /= h;
                            double var = 0;
                            for (double v : x) {
                                var += (v - mean) * (v - mean);
                            }
                            var /= h;
                            for (int j = 0; j < h; j++) {
                                double y = (x[j] - mean) / Math.sqrt(var + 1e-12) * bw.get("embeddings/LayerNorm/gamma")[j]
                                        + bw.get("embeddings/LayerNorm/beta")[j];
                                maxDiff = Math.max(maxDiff, Math.abs(t0.getFloat(e, t, j) - y));
                            }
                        }
                    }
                    System.out.printf("kilm: %d added-token positions, max |graph - reference| = %.3g%n", seen, maxDiff);
                    assertThat(seen).isEqualTo(7);
                    assertThat(pair.typeIds()).contains(1);
                    assertThat(maxDiff).isLessThan(2e-5);
                }
            }
        }
    }
}
