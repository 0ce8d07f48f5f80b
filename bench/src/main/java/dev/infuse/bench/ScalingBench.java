package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.TokenizedText;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Result;

/** Frozen forward throughput of the backbone against batch size and against sequence length. */
final class ScalingBench {
    private ScalingBench() {}

    /** One point: sentences and tokens per second at a batch size and a length (every token real). */
    record Point(int batch, int length, int repeats, double seconds, double sentencesPerSecond, double tokensPerSecond,
            double gflops) {}

    /** Batch sizes at a fixed length, then lengths at a fixed batch size. */
    record Figures(int fixedLength, List<Point> byBatch, int fixedBatch, List<Point> byLength) {}

    static Figures run(Backbone backbone, List<TokenizedText> pool, int[] batches, int fixedLength, int[] lengths,
            int fixedBatch, double secondsPerPoint) {
        List<Point> byBatch = new ArrayList<>();
        List<Point> byLength = new ArrayList<>();
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            for (int b : batches) {
                byBatch.add(point(model, backbone, pool, b, fixedLength, secondsPerPoint));
            }
            for (int t : lengths) {
                byLength.add(point(model, backbone, pool, fixedBatch, t, secondsPerPoint));
            }
        }
        return new Figures(fixedLength, byBatch, fixedBatch, byLength);
    }

    /** Real sentences' ids, repeated end to end to reach exactly {@code length} tokens per row. */
    private static Point point(ComposedModel model, Backbone backbone, List<TokenizedText> pool, int b, int length,
            double budget) {
        List<TokenizedText> rows = new ArrayList<>();
        int[] idx = new int[b];
        int next = 0;
        for (int r = 0; r < b; r++) {
            int[] ids = new int[length];
            int k = 0;
            while (k < length) {
                TokenizedText x = pool.get(next++ % pool.size());
                int take = Math.min(x.length(), length - k);
                System.arraycopy(x.ids(), 0, ids, k, take);
                k += take;
            }
            String[] tokens = new String[length];
            java.util.Arrays.fill(tokens, "");
            rows.add(new TokenizedText(ids, new int[length], tokens, new int[length], new int[length]));
            idx[r] = r;
        }
        int pad = backbone.tokenizer().padId();
        once(model, rows, idx, pad, length);
        int repeats = 0;
        long t0 = System.nanoTime();
        double seconds;
        do {
            once(model, rows, idx, pad, length);
            repeats++;
            seconds = (System.nanoTime() - t0) / 1e9;
        } while (seconds < budget && repeats < 1000);
        double perSecond = b * repeats / seconds;
        Point p = new Point(b, length, repeats, seconds, perSecond, perSecond * length,
                perSecond * ForwardBench.flops(length) / 1e9);
        System.out.printf("  batch %d × length %d: %.1f sentences/s, %.0f tokens/s, %.1f GFLOP/s (%d runs)%n", b, length,
                p.sentencesPerSecond(), p.tokensPerSecond(), p.gflops(), repeats);
        return p;
    }

    private static void once(ComposedModel model, List<TokenizedText> rows, int[] idx, int pad, int length) {
        try (Batch batch = ForwardBench.padded(rows, idx, pad, length);
                Result r = model.run(batch, List.of(model.sequenceOutput()))) {
            r.get(0);
        }
    }
}
