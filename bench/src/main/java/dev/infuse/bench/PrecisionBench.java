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
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * fp32 against bf16: the MatMul limit in both formats, the two peers (the SavedModel as published
 * and the same SavedModel with grappler's {@code auto_mixed_precision_onednn_bfloat16}, the best a
 * user can configure), our frozen forward in both precisions, and the per-layer difference of our
 * hidden states.
 */
final class PrecisionBench {
    private PrecisionBench() {}

    /** Mean and best-run GFLOP/s of chained n×n products in one format. */
    record Limit(String format, double mean, double best) {}

    /**
     * @param peerFp32 sentences/s of the SavedModel as published
     * @param peerBf16 sentences/s of the SavedModel with grappler's bf16 rewrite
     * @param oursFp32 sentences/s of our graph in fp32
     * @param oursBf16 sentences/s of our graph in bf16
     * @param layerDiff max abs difference bf16 vs fp32 of our taps 0..L over real positions
     * @param meanAbs mean abs value of each fp32 tap (for scale)
     */
    record Figures(int sentences, long realTokens, double flops, double peerFp32, double peerBf16, double oursFp32,
            double oursBf16, double[] layerDiff, double[] meanAbs) {
        double oursFp32Gflops() {
            return flops * oursFp32 / sentences / 1e9;
        }

        double oursBf16Gflops() {
            return flops * oursBf16 / sentences / 1e9;
        }

        double bestPeer() {
            return Math.max(peerFp32, peerBf16);
        }
    }

    /** GFLOP/s over {@code runs} timed runs of {@code chain} chained products, after two warm-up runs. */
    static Limit limit(boolean bf16, int n, int chain, int runs) {
        SplittableRandom random = new SplittableRandom(7);
        double scale = Math.sqrt(3.0 / n);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * scale * Math.sqrt(n));
            b[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        String format = bf16 ? "bf16" : "fp32";
        try (Graph g = new Graph(); Session s = new Session(g);
                TFloat32 ta = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(a, true, false));
                TFloat32 tb = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(b, true, false))) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> pa = tf.placeholder(TFloat32.class);
            Placeholder<TFloat32> pb = tf.placeholder(TFloat32.class);
            Operand<TFloat32> out;
            // Chained (p = p·w), so grappler cannot fold identical products into one.
            if (bf16) {
                Operand<TBfloat16> w = tf.dtypes.cast(pb, TBfloat16.class);
                Operand<TBfloat16> x = tf.dtypes.cast(pa, TBfloat16.class);
                for (int i = 0; i < chain; i++) {
                    x = tf.linalg.matMul(x, w);
                }
                out = tf.dtypes.cast(tf.slice(x, tf.constant(new int[] {0, 0}), tf.constant(new int[] {1, 1})), TFloat32.class);
            } else {
                Operand<TFloat32> x = pa;
                for (int i = 0; i < chain; i++) {
                    x = tf.linalg.matMul(x, pb);
                }
                out = tf.slice(x, tf.constant(new int[] {0, 0}), tf.constant(new int[] {1, 1}));
            }
            double best = 0;
            double total = 0;
            for (int r = -2; r < runs; r++) {
                long t0 = System.nanoTime();
                try (Result res = s.runner().feed(pa, ta).feed(pb, tb).fetch(out).run()) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (r >= 0) {
                        double gflops = 2.0 * n * n * (double) n * chain / seconds / 1e9;
                        total += seconds;
                        best = Math.max(best, gflops);
                        System.out.printf("  %s matmul run %d: %.2f s, %.1f GFLOP/s%n", format, r + 1, seconds, gflops);
                    }
                }
            }
            double mean = 2.0 * n * n * (double) n * chain * runs / total / 1e9;
            System.out.printf("  %s matmul: mean %.1f GFLOP/s, best run %.1f GFLOP/s%n", format, mean, best);
            return new Limit(format, mean, best);
        }
    }

    /** The session with the better best run (the machine is shared, so the less disturbed one). */
    static Limit better(Limit a, Limit b) {
        return a.best() >= b.best() ? a : b;
    }

    /** The SavedModel's session options with grappler's oneDNN bf16 auto mixed precision switched on. */
    static ConfigProto bf16Rewrite() {
        return ConfigProto.newBuilder().setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
                RewriterConfig.newBuilder().setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON))).build();
    }

    static Figures run(Backbone fp32, Backbone bf16, Path savedModel, List<TokenizedText> texts, int batchSize) {
        int n = texts.size();
        System.out.println("  peer as published (fp32)");
        double peerFp32 = peer(savedModel, null, texts, batchSize, fp32.tokenizer().padId());
        System.out.println("  peer with auto_mixed_precision_onednn_bfloat16");
        double peerBf16 = peer(savedModel, bf16Rewrite(), texts, batchSize, fp32.tokenizer().padId());
        int layers = fp32.spec().layers();
        float[][][] tapsFp32 = new float[layers + 1][n][];
        float[][][] tapsBf16 = new float[layers + 1][n][];
        System.out.println("  ours fp32");
        double oursFp32 = ours(fp32, texts, batchSize, tapsFp32);
        System.out.println("  ours bf16");
        double oursBf16 = ours(bf16, texts, batchSize, tapsBf16);
        double[] diff = new double[layers + 1];
        double[] mean = new double[layers + 1];
        for (int l = 0; l <= layers; l++) {
            double sum = 0;
            long count = 0;
            for (int i = 0; i < n; i++) {
                diff[l] = Math.max(diff[l], ForwardBench.maxDiff(tapsFp32[l][i], tapsBf16[l][i]));
                for (float v : tapsFp32[l][i]) {
                    sum += Math.abs(v);
                }
                count += tapsFp32[l][i].length;
            }
            mean[l] = sum / count;
            System.out.printf("  tap %d: max |bf16 - fp32| %.3e (mean |fp32| %.3f)%n", l, diff[l], mean[l]);
        }
        long real = 0;
        double flops = 0;
        for (TokenizedText t : texts) {
            real += t.length();
            flops += ForwardBench.flops(t.length());
        }
        return new Figures(n, real, flops, peerFp32, peerBf16, oursFp32, oursBf16, diff, mean);
    }

    /** Sentences/s of the SavedModel's serving signature (length 128) after one warm-up batch. */
    static double peer(Path savedModel, ConfigProto config, List<TokenizedText> texts, int batchSize, int pad) {
        SavedModelBundle.Loader loader = SavedModelBundle.loader(savedModel.toString()).withTags("serve");
        if (config != null) {
            loader = loader.withConfigProto(config);
        }
        int n = texts.size();
        try (SavedModelBundle bundle = loader.load()) {
            SessionFunction f = bundle.function("serving_default");
            peerBatch(f, texts, 0, Math.min(batchSize, n), pad);
            long t0 = System.nanoTime();
            for (int s = 0; s < n; s += batchSize) {
                peerBatch(f, texts, s, Math.min(n, s + batchSize), pad);
                ForwardBench.progress("peer", Math.min(n, s + batchSize), n, t0);
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void peerBatch(SessionFunction f, List<TokenizedText> texts, int from, int to, int pad) {
        int len = ForwardBench.PEER_LENGTH;
        int b = to - from;
        int[] ids = new int[b * len];
        int[] mask = new int[b * len];
        java.util.Arrays.fill(ids, pad);
        for (int r = 0; r < b; r++) {
            TokenizedText x = texts.get(from + r);
            System.arraycopy(x.ids(), 0, ids, r * len, x.length());
            java.util.Arrays.fill(mask, r * len, r * len + x.length(), 1);
        }
        try (TInt32 tIds = Batches.ints(ids, b, len); TInt32 tMask = Batches.ints(mask, b, len);
                TInt32 tSeg = Batches.ints(new int[b * len], b, len);
                Result r = f.call(Map.<String, Tensor>of("input_ids", tIds, "input_mask", tMask, "segment_ids", tSeg))) {
            r.get("sequence_output").orElseThrow();
        }
    }

    /**
     * Sentences/s of our frozen forward (length-bucketed batches, one untimed pass over all of them
     * first), fetching the last layer; then, untimed, every tap's real positions into {@code taps}.
     */
    static double ours(Backbone backbone, List<TokenizedText> texts, int batchSize, float[][][] taps) {
        int pad = backbone.tokenizer().padId();
        int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
        List<int[]> order = Batches.bucketed(lengths, batchSize, 0, null);
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            for (int[] idx : order) {
                run(model, texts, idx, pad, List.of(model.sequenceOutput())).close();
            }
            long t0 = System.nanoTime();
            int done = 0;
            for (int[] idx : order) {
                run(model, texts, idx, pad, List.of(model.sequenceOutput())).close();
                done += idx.length;
            }
            ForwardBench.progress("ours " + backbone.precision(), done, texts.size(), t0);
            double perSecond = texts.size() / ((System.nanoTime() - t0) / 1e9);
            if (taps != null) {
                List<Operand<TFloat32>> all = new ArrayList<>();
                for (int l = 0; l < taps.length; l++) {
                    all.add(model.hiddenStates().tap(l));
                }
                for (int[] idx : order) {
                    try (Result r = run(model, texts, idx, pad, all)) {
                        for (int l = 0; l < taps.length; l++) {
                            copyReal((TFloat32) r.get(l), texts, idx, taps[l]);
                        }
                    }
                }
            }
            return perSecond;
        }
    }

    private static Result run(ComposedModel model, List<TokenizedText> texts, int[] idx, int pad,
            List<? extends Operand<?>> fetches) {
        List<TokenizedText> sub = new ArrayList<>();
        for (int i : idx) {
            sub.add(texts.get(i));
        }
        try (Batch batch = Batches.standard(sub, pad)) {
            return model.run(batch, fetches);
        }
    }

    private static void copyReal(TFloat32 seq, List<TokenizedText> texts, int[] idx, float[][] out) {
        int time = (int) seq.shape().get(1);
        int h = (int) seq.shape().get(2);
        float[] all = new float[Math.toIntExact(seq.size())];
        seq.asRawTensor().data().asFloats().read(all);
        for (int r = 0; r < idx.length; r++) {
            int t = texts.get(idx[r]).length();
            out[idx[r]] = java.util.Arrays.copyOfRange(all, r * time * h, (r * time + t) * h);
        }
    }

    /**
     * Training through the frozen backbone in one precision: KILM on entity-infill (new entity-token
     * embeddings trained through all frozen layers and the frozen MLM head), two epochs through the
     * CLI. The first epoch also pays the one-time costs (grappler's optimisation of the training graph
     * at the first step, oneDNN kernels created per new shape); the second runs warm, as every later
     * epoch of a real run does.
     *
     * @return examples/s of epoch 1 and of epoch 2, as {@code metrics.json} reports them
     */
    static double[] training(String precision, int examples, Path out) {
        String[] args = {"train", "--precision", precision, "--adapter", "kilm", "--task", "entity-infill",
            "--max-train", Integer.toString(examples), "--epochs", "2", "--batch-size", "16", "--max-length", "64",
            "--no-checkpoint", "--no-cache", "--out", out.toString()};
        System.out.println("  infuse " + String.join(" ", args));
        cli(args);
        var epochs = json(out.resolve("metrics.json")).get("epochs");
        double[] perSecond = new double[2];
        for (int e = 0; e < 2; e++) {
            perSecond[e] = epochs.get(e).get("examples_per_second").asDouble();
            System.out.printf("  training %s, epoch %d: %.2f examples/s (%.1f s)%n", precision, e + 1, perSecond[e],
                    epochs.get(e).get("seconds").asDouble());
        }
        return perSecond;
    }

    /** LAMA T-REx through the MLM head in both precisions. */
    record Lama(int queries, double agreement, double p1Fp32, double p1Bf16) {}

    /** Runs {@code infuse probe} in fp32 and bf16 and compares the top-1 answers query by query. */
    static Lama lama(Path lamaDir, int maxFacts, Path out) {
        List<String> top1Fp32 = probe(lamaDir, maxFacts, "fp32", out.resolve("lama-fp32"));
        List<String> top1Bf16 = probe(lamaDir, maxFacts, "bf16", out.resolve("lama-bf16"));
        if (top1Fp32.size() != top1Bf16.size()) {
            throw new IllegalStateException("the probes answered " + top1Fp32.size() + " and " + top1Bf16.size() + " queries");
        }
        int same = 0;
        for (int i = 0; i < top1Fp32.size(); i++) {
            if (top1Fp32.get(i).equals(top1Bf16.get(i))) {
                same++;
            }
        }
        double p1Fp32 = json(out.resolve("lama-fp32/metrics.json")).get("metrics").get("p_at_1").asDouble();
        double p1Bf16 = json(out.resolve("lama-bf16/metrics.json")).get("metrics").get("p_at_1").asDouble();
        Lama l = new Lama(top1Fp32.size(), (double) same / top1Fp32.size(), 100 * p1Fp32, 100 * p1Bf16);
        System.out.printf("  LAMA: %d queries, top-1 agreement %.2f %%, P@1 fp32 %.2f, bf16 %.2f%n", l.queries(),
                100 * l.agreement(), l.p1Fp32(), l.p1Bf16());
        return l;
    }

    private static List<String> probe(Path lamaDir, int maxFacts, String precision, Path out) {
        String[] args = {"probe", "--precision", precision, "--lama", lamaDir.toString(), "--max-facts",
            Integer.toString(maxFacts), "--top", "1", "--out", out.toString()};
        System.out.println("  infuse " + String.join(" ", args));
        cli(args);
        List<String> top1 = new ArrayList<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(out.resolve("predictions.jsonl"))) {
                if (!line.isBlank()) {
                    top1.add(MAPPER.readTree(line).get("top").get(0).get("token").asText());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return top1;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    static com.fasterxml.jackson.databind.JsonNode json(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void cli(String[] args) {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = dev.infuse.cli.InfuseCli.run(args, new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(err, true));
        if (exit != 0) {
            throw new IllegalStateException("infuse " + String.join(" ", args) + " exited " + exit + ": " + err);
        }
    }
}
