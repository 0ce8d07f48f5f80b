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
            double peerPerSecond, double oursPerSecond, double maxAbsDiff, double oursGflops) {}

    /** Analytic forward FLOPs of BERT-base for one sentence of {@code t} tokens (embeddings left out). */
    static double flops(int t) {
        return LAYERS * (2.0 * t * (4.0 * H * H + 2.0 * H * I) + 2.0 * 2.0 * t * (double) t * H);
    }

    static Figures run(Backbone backbone, Path savedModel, List<TokenizedText> texts, int batchSize) {
        int n = texts.size();
        int pad = backbone.tokenizer().padId();
        float[][] peerOut = new float[n][];
        double peerSeconds;
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
        }

        double oursSeconds;
        double maxDiff = 0;
        int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
        List<int[]> order = Batches.bucketed(lengths, batchSize, 0, null);
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            System.out.println("  ours: warm-up");
            // Warm up on the shortest and the longest bucket, so no shape is seen first while timed.
            oursBatch(model, texts, order.get(0), pad, null);
            oursBatch(model, texts, order.get(order.size() - 1), pad, null);
            float[][] oursOut = new float[n][];
            long t0 = System.nanoTime();
            int done = 0;
            for (int[] idx : order) {
                oursBatch(model, texts, idx, pad, oursOut);
                done += idx.length;
                progress("ours", done, n, t0);
            }
            oursSeconds = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < oursOut[i].length; k++) {
                    maxDiff = Math.max(maxDiff, Math.abs(oursOut[i][k] - peerOut[i][k]));
                }
            }
        }
        long real = 0;
        double flops = 0;
        for (int t : lengths) {
            real += t;
            flops += flops(t);
        }
        return new Figures(n, batchSize, real, peerSeconds, oursSeconds, n / peerSeconds, n / oursSeconds, maxDiff,
                flops / oursSeconds / 1e9);
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
