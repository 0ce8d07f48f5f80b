package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.TokenizedText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Frozen forward pass: the published SavedModel (fixed length 128) against Infuse's own graph with
 * length-bucketed batches, on the same sentences in the same process.
 */
final class ForwardBench {
    /** The SavedModel's fixed sequence length. */
    static final int PEER_LENGTH = 128;
    private static final int H = 768;
    private static final int I = 3072;
    private static final int LAYERS = 12;

    private ForwardBench() {}

    /**
     * @param peerPerSecond sentences/s of the SavedModel
     * @param oursPerSecond sentences/s of the composed model
     * @param maxAbsDiff largest |ours − peer| over real (unpadded) positions of the sequence output
     * @param oursGflops analytic FLOPs of the real tokens divided by our wall time
     */
    record Figures(int sentences, int batchSize, long realTokens, double peerSeconds, double oursSeconds,
            double peerPerSecond, double oursPerSecond, double maxAbsDiff, double oursGflops, List<DiffBucket> buckets,
            double ours128VsPeer, double oursVsOurs128, double peerExactVsPeer128, double oursVsPeerExact,
            java.util.Map<String, Float> peerConstants) {}

    /** Constants of the SavedModel's layer 0 that fix its arithmetic, read from its graph by name. */
    static final java.util.Map<String, String> PEER_CONSTANTS = java.util.Map.of(
            "attention-mask bias", "module_apply_tokens/bert/encoder/layer_0/attention/self/mul_1/y",
            "score scale", "module_apply_tokens/bert/encoder/layer_0/attention/self/Mul/y",
            "layer-norm epsilon", "module_apply_tokens/bert/encoder/layer_0/output/LayerNorm/batchnorm/add/y",
            "GELU cube coefficient", "module_apply_tokens/bert/encoder/layer_0/intermediate/dense/mul/x",
            "GELU sqrt(2/pi)", "module_apply_tokens/bert/encoder/layer_0/intermediate/dense/mul_1/x",
            "GELU power", "module_apply_tokens/bert/encoder/layer_0/intermediate/dense/Pow/y");

    /**
     * Largest differences among sentences of one length range.
     *
     * @param oursVsPeer our graph at each batch's own length against the SavedModel at 128
     * @param ours128VsPeer our graph padded to 128 like the SavedModel, against the SavedModel
     * @param oursVsOurs128 our graph against itself at the two paddings
     */
    record DiffBucket(int from, int to, int sentences, double oursVsPeer, double ours128VsPeer, double oursVsOurs128,
            double peerExactVsPeer, double oursVsPeerExact) {}

    /** Length ranges of the diff table. */
    static final int[][] BUCKETS = {{1, 16}, {17, 32}, {33, 48}, {49, 64}, {65, 128}};

    /** Analytic forward FLOPs of BERT-base for one sentence of {@code t} tokens (embeddings left out). */
    static double flops(int t) {
        return LAYERS * (2.0 * t * (4.0 * H * H + 2.0 * H * I) + 2.0 * 2.0 * t * (double) t * H);
    }

    static Figures run(Backbone backbone, Path savedModel, List<TokenizedText> texts, int batchSize) {
        int n = texts.size();
        int pad = backbone.tokenizer().padId();
        float[][] peerOut = new float[n][];
        double peerSeconds;
        float[][] peerExact = new float[n][];
        java.util.Map<String, Float> constants = new java.util.TreeMap<>();
        try (SavedModelBundle bundle = SavedModelBundle.loader(savedModel.toString()).withTags("serve").load()) {
            SessionFunction f = bundle.function("serving_default");
            List<int[]> order = new ArrayList<>();
            for (int s = 0; s < n; s += batchSize) {
                int[] idx = new int[Math.min(batchSize, n - s)];
                for (int k = 0; k < idx.length; k++) {
                    idx[k] = s + k;
                }
                order.add(idx);
            }
            for (var e : new java.util.TreeMap<>(PEER_CONSTANTS).entrySet()) {
                try (Result r = bundle.session().runner().fetch(e.getValue()).run()) {
                    constants.put(e.getKey(), ((TFloat32) r.get(0)).getFloat());
                }
            }
            System.out.println("  peer constants: " + constants);
            System.out.println("  peer: warm-up");
            peerBatch(f, texts, order.get(0), pad, null);
            long t0 = System.nanoTime();
            int done = 0;
            for (int[] idx : order) {
                peerBatch(f, texts, idx, pad, peerOut);
                done += idx.length;
                progress("peer", done, n, t0);
            }
            peerSeconds = (System.nanoTime() - t0) / 1e9;
            // Off its published length the SavedModel still runs (its inner graph is dynamic): the same
            // length-bucketed batches as ours, each padded to its longest sentence, fed through its placeholders.
            System.out.println("  peer at each batch's own length (for the diff analysis)");
            int[] lens = texts.stream().mapToInt(TokenizedText::length).toArray();
            for (int[] idx : Batches.bucketed(lens, batchSize, 0, null)) {
                int time = 0;
                for (int i : idx) {
                    time = Math.max(time, lens[i]);
                }
                peerBatchAt(bundle, texts, idx, pad, time, peerExact);
            }
        }

        double oursSeconds;
        double maxDiff = 0;
        double ours128Diff = 0;
        double selfDiff = 0;
        double peerSelf = 0;
        double oursPeerExact = 0;
        List<DiffBucket> buckets = new ArrayList<>();
        int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
        List<int[]> order = Batches.bucketed(lengths, batchSize, 0, null);
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            System.out.println("  ours: warm-up pass");
            // One untimed pass over every batch, so no batch shape is seen first while timed: the timed pass is the
            // steady state of a long job, as the SavedModel's single shape is after its one warm-up batch.
            for (int[] idx : order) {
                oursBatch(model, texts, idx, pad, null);
            }
            float[][] oursOut = new float[n][];
            long t0 = System.nanoTime();
            int done = 0;
            for (int[] idx : order) {
                oursBatch(model, texts, idx, pad, oursOut);
                done += idx.length;
                progress("ours", done, n, t0);
            }
            oursSeconds = (System.nanoTime() - t0) / 1e9;
            // The same graph padded to 128 in the SavedModel's batches: only the padding differs from the timed pass.
            System.out.println("  ours padded to 128 (for the diff analysis)");
            float[][] ours128 = new float[n][];
            for (int s = 0; s < n; s += batchSize) {
                int[] idx = new int[Math.min(batchSize, n - s)];
                for (int k = 0; k < idx.length; k++) {
                    idx[k] = s + k;
                }
                oursBatchAt(model, texts, idx, pad, PEER_LENGTH, ours128);
            }
            for (int[] range : BUCKETS) {
                double a = 0;
                double b = 0;
                double c = 0;
                double d = 0;
                double e = 0;
                int count = 0;
                for (int i = 0; i < n; i++) {
                    int t = lengths[i];
                    if (t < range[0] || t > range[1]) {
                        continue;
                    }
                    count++;
                    a = Math.max(a, maxDiff(oursOut[i], peerOut[i]));
                    b = Math.max(b, maxDiff(ours128[i], peerOut[i]));
                    c = Math.max(c, maxDiff(oursOut[i], ours128[i]));
                    d = Math.max(d, maxDiff(peerExact[i], peerOut[i]));
                    e = Math.max(e, maxDiff(oursOut[i], peerExact[i]));
                }
                buckets.add(new DiffBucket(range[0], range[1], count, a, b, c, d, e));
                peerSelf = Math.max(peerSelf, d);
                oursPeerExact = Math.max(oursPeerExact, e);
                maxDiff = Math.max(maxDiff, a);
                ours128Diff = Math.max(ours128Diff, b);
                selfDiff = Math.max(selfDiff, c);
                System.out.printf("  length %d-%d (%d): ours/peer %.2e, ours@128/peer %.2e, ours/ours@128 %.2e, "
                        + "peer exact/peer %.2e, ours/peer exact %.2e%n", range[0], range[1], count, a, b, c, d, e);
            }
        }
        long real = 0;
        double flops = 0;
        for (int t : lengths) {
            real += t;
            flops += flops(t);
        }
        return new Figures(n, batchSize, real, peerSeconds, oursSeconds, n / peerSeconds, n / oursSeconds, maxDiff,
                flops / oursSeconds / 1e9, buckets, ours128Diff, selfDiff, peerSelf, oursPeerExact,
                constants);
    }

    /**
     * Our forward pass alone (bucketed batches, one untimed warm-up pass over all of them),
     * for the XLA trial, which needs a process of its own.
     *
     * @return sentences per second
     */
    static double oursOnly(Backbone backbone, List<TokenizedText> texts, int batchSize) {
        int pad = backbone.tokenizer().padId();
        int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
        List<int[]> order = Batches.bucketed(lengths, batchSize, 0, null);
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            // Warm-up over every batch: with XLA each new shape is compiled once, which a long job pays once.
            for (int[] idx : order) {
                oursBatch(model, texts, idx, pad, null);
            }
            long t0 = System.nanoTime();
            for (int[] idx : order) {
                oursBatch(model, texts, idx, pad, null);
            }
            return texts.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Truncates to the SavedModel's length so both sides see exactly the same tokens. */
    static List<TokenizedText> fitPeer(List<TokenizedText> texts) {
        List<TokenizedText> out = new ArrayList<>();
        for (TokenizedText t : texts) {
            if (t.length() <= PEER_LENGTH) {
                out.add(t);
            } else {
                int[] ids = java.util.Arrays.copyOf(t.ids(), PEER_LENGTH);
                ids[PEER_LENGTH - 1] = t.ids()[t.length() - 1];
                out.add(new TokenizedText(ids, java.util.Arrays.copyOf(t.typeIds(), PEER_LENGTH),
                        java.util.Arrays.copyOf(t.tokens(), PEER_LENGTH), java.util.Arrays.copyOf(t.charStart(), PEER_LENGTH),
                        java.util.Arrays.copyOf(t.charEnd(), PEER_LENGTH)));
            }
        }
        return out;
    }

    private static void peerBatch(SessionFunction f, List<TokenizedText> texts, int[] idx, int pad, float[][] out) {
        int b = idx.length;
        int[] ids = new int[b * PEER_LENGTH];
        int[] mask = new int[b * PEER_LENGTH];
        java.util.Arrays.fill(ids, pad);
        for (int r = 0; r < b; r++) {
            TokenizedText x = texts.get(idx[r]);
            System.arraycopy(x.ids(), 0, ids, r * PEER_LENGTH, x.length());
            java.util.Arrays.fill(mask, r * PEER_LENGTH, r * PEER_LENGTH + x.length(), 1);
        }
        try (TInt32 tIds = Batches.ints(ids, b, PEER_LENGTH); TInt32 tMask = Batches.ints(mask, b, PEER_LENGTH);
                TInt32 tSeg = Batches.ints(new int[b * PEER_LENGTH], b, PEER_LENGTH);
                Result r = f.call(Map.<String, Tensor>of("input_ids", tIds, "input_mask", tMask, "segment_ids", tSeg))) {
            TFloat32 seq = (TFloat32) r.get("sequence_output").orElseThrow();
            if (out != null) {
                copyReal(seq, texts, idx, PEER_LENGTH, out);
            }
        }
    }

    static double maxDiff(float[] x, float[] y) {
        double d = 0;
        for (int k = 0; k < x.length; k++) {
            d = Math.max(d, Math.abs(x[k] - y[k]));
        }
        return d;
    }

    /** The SavedModel fed through its graph's placeholders at any length (the signature declares 128). */
    private static void peerBatchAt(SavedModelBundle bundle, List<TokenizedText> texts, int[] idx, int pad, int time,
            float[][] out) {
        try (Batch batch = padded(texts, idx, pad, time);
                Result r = bundle.session().runner().feed("input_ids", batch.tensors().get("input_ids"))
                        .feed("input_mask", batch.tensors().get("attention_mask"))
                        .feed("segment_ids", batch.tensors().get("token_type_ids"))
                        .fetch("module_apply_tokens/bert/encoder/Reshape_13").run()) {
            copyReal((TFloat32) r.get(0), texts, idx, time, out);
        }
    }

    private static void oursBatchAt(ComposedModel model, List<TokenizedText> texts, int[] idx, int pad, int time,
            float[][] out) {
        try (Batch batch = padded(texts, idx, pad, time); Result r = model.run(batch, List.of(model.sequenceOutput()))) {
            copyReal((TFloat32) r.get(0), texts, idx, time, out);
        }
    }

    /** The three standard inputs padded to a fixed {@code time}. */
    static Batch padded(List<TokenizedText> texts, int[] idx, int pad, int time) {
        int b = idx.length;
        int[] ids = new int[b * time];
        int[] types = new int[b * time];
        int[] mask = new int[b * time];
        java.util.Arrays.fill(ids, pad);
        int real = 0;
        for (int r = 0; r < b; r++) {
            TokenizedText x = texts.get(idx[r]);
            System.arraycopy(x.ids(), 0, ids, r * time, x.length());
            System.arraycopy(x.typeIds(), 0, types, r * time, x.length());
            java.util.Arrays.fill(mask, r * time, r * time + x.length(), 1);
            real += x.length();
        }
        Batch batch = new Batch(b, real);
        batch.put("input_ids", Batches.ints(ids, b, time));
        batch.put("token_type_ids", Batches.ints(types, b, time));
        batch.put("attention_mask", Batches.ints(mask, b, time));
        return batch;
    }

    private static void oursBatch(ComposedModel model, List<TokenizedText> texts, int[] idx, int pad, float[][] out) {
        List<TokenizedText> sub = new ArrayList<>();
        for (int i : idx) {
            sub.add(texts.get(i));
        }
        try (Batch batch = Batches.standard(sub, pad); Result r = model.run(batch, List.of(model.sequenceOutput()))) {
            TFloat32 seq = (TFloat32) r.get(0);
            if (out != null) {
                copyReal(seq, texts, idx, (int) seq.shape().get(1), out);
            }
        }
    }

    /** Keeps each sentence's real positions only: padding rows differ by design. */
    private static void copyReal(TFloat32 seq, List<TokenizedText> texts, int[] idx, int time, float[][] out) {
        float[] all = new float[Math.toIntExact(seq.size())];
        seq.asRawTensor().data().asFloats().read(all);
        for (int r = 0; r < idx.length; r++) {
            int t = texts.get(idx[r]).length();
            out[idx[r]] = java.util.Arrays.copyOfRange(all, r * time * H, (r * time + t) * H);
        }
    }

    static void progress(String what, int done, int total, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("  %s: %d/%d sentences, %.1f s, %.1f sentences/s%n", what, done, total, s, done / s);
    }
}
