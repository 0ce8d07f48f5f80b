package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.TokenizedText;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Result;

/**
 * Many consecutive inference calls: the resident set must not grow (no leaked tensors or sessions).
 * After a warm-up, the Java heap is collected at fixed intervals before VmRSS is read, so the figure
 * is the native memory that stays, and a least-squares line through the readings gives the growth
 * per 1000 calls.
 */
final class MemoryBench {
    private MemoryBench() {}

    /**
     * @param warmup calls before the first reading
     * @param every calls between readings
     * @param calls readings' call numbers
     * @param rss VmRSS in MiB after {@code System.gc()} at each reading
     * @param slopePer1000 fitted growth in MiB per 1000 calls
     */
    record Figures(int total, int warmup, int every, List<Integer> calls, List<Double> rss, double slopePer1000,
            double seconds) {}

    static Figures run(Backbone backbone, int total, int warmup, int every) {
        List<TokenizedText> texts = List.of(backbone.tokenizer().encode("the quick brown fox jumps over the lazy dog ."),
                backbone.tokenizer().encode("a short one"));
        List<Integer> at = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            for (int i = 1; i <= total; i++) {
                // A fresh batch every call, as a service would build one per request.
                try (Batch batch = Batches.standard(texts, backbone.tokenizer().padId());
                        Result r = model.run(batch, List.of(model.sequenceOutput()))) {
                    r.get(0);
                }
                if (i >= warmup && (i - warmup) % every == 0) {
                    at.add(i);
                    rss.add(settledRss());
                    System.out.printf("  %d calls, VmRSS after GC %.1f MiB%n", i, rss.get(rss.size() - 1));
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // The first reading is a settling point, not fitted: the allocator may still hand back pages
        // freed before the loop (the BERT-base models of the earlier sections) between it and the next.
        int from = at.size() >= 3 ? 1 : 0;
        return new Figures(total, warmup, every, at, rss,
                1000 * slope(at.subList(from, at.size()), rss.subList(from, rss.size())), seconds);
    }

    /** VmRSS once the heap has been collected (twice, so finalisable garbage of the first pass goes too). */
    private static double settledRss() {
        System.gc();
        System.gc();
        return Machine.statusMiB("VmRSS");
    }

    /** Least-squares slope of y over x. */
    static double slope(List<Integer> x, List<Double> y) {
        int n = x.size();
        if (n < 2) {
            return 0;
        }
        double mx = x.stream().mapToDouble(Integer::doubleValue).average().orElse(0);
        double my = y.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x.get(i) - mx) * (y.get(i) - my);
            sxx += (x.get(i) - mx) * (x.get(i) - mx);
        }
        return sxy / sxx;
    }
}
