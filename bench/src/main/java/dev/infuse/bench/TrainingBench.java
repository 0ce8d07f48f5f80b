package dev.infuse.bench;

import dev.infuse.data.SemEval2010;
import dev.infuse.data.SemEvalExample;
import dev.infuse.spi.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * §10: training a downstream model through the frozen backbone — LoRA (r = 16 on all six linear sites
 * of every layer) and its task head on SemEval training sentences, through {@code infuse eval}, in
 * fp32 and bf16 (interleaved, the better of two runs each), as examples/s and as the share of the
 * measured MatMul limit that the forward and backward FLOPs reach.
 *
 * <p>FLOPs are counted on real (unpadded) word pieces, markers included: per token and layer,
 * forward {@code 2(4H² + 2HI)} for the frozen products plus {@code 4TH} for attention; backward, the
 * frozen products' input gradients only ({@code 2(4H² + 2HI)}; no weight gradient is computed for
 * them) and twice the attention; LoRA's own products ({@code 2r(in + out)} per site forward, three
 * times that backward) are included, the head is not. Padding to a batch's longest sentence is work
 * the count leaves out, so the ratio understates what the machine does.
 */
final class TrainingBench {
    static final int RUNS = 2;
    private static final int R = 16;

    private TrainingBench() {}

    /** One precision's best run: epoch-2 examples/s and achieved GFLOP/s. */
    record Side(String precision, double[] examplesPerSecond, double gflops) {}

    /** The section's figures. */
    record Figures(int examples, double tokensPerExample, double flopsPerExample, Side fp32, Side bf16,
            PrecisionBench.Limit limitFp32, PrecisionBench.Limit limitBf16, String load) {
        double ratio() {
            return best(bf16) / best(fp32);
        }
    }

    static double best(Side s) {
        return Math.max(s.examplesPerSecond()[0], s.examplesPerSecond()[1]);
    }

    static Figures run(Path dataDir, int examples, Tokenizer tokenizer, Path tmp) {
        String load = Machine.loadAverage();
        Path train = dataDir.resolve("semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT");
        double tokens = meanTokens(SemEval2010.read(train).records(), tokenizer, examples);
        double flops = flopsPerExample(tokens);
        System.out.println("[10] LoRA training: MatMul limits");
        PrecisionBench.Limit l32 = PrecisionBench.limit(false, 2048, 10, 3);
        PrecisionBench.Limit l16 = PrecisionBench.limit(true, 2048, 10, 3);
        double[] b32 = new double[RUNS];
        double[] b16 = new double[RUNS];
        for (int r = 0; r < RUNS; r++) {
            b32[r] = epoch2("fp32", dataDir, examples, tmp.resolve("lora-fp32-" + r));
            b16[r] = epoch2("bf16", dataDir, examples, tmp.resolve("lora-bf16-" + r));
        }
        Side s32 = new Side("fp32", b32, Math.max(b32[0], b32[1]) * flops / 1e9);
        Side s16 = new Side("bf16", b16, Math.max(b16[0], b16[1]) * flops / 1e9);
        return new Figures(examples, tokens, flops, s32, s16, l32, l16, load);
    }

    private static double epoch2(String precision, Path dataDir, int examples, Path out) {
        String[] args = {"eval", "--task", "semeval", "--data", dataDir.toString(), "--precision", precision,
            "--layer-plugin", "lora", "--layer-set", "sites=all", "--layer-set", "r=" + R, "--layer-set", "alpha=32",
            "--max-train", Integer.toString(examples), "--epochs", "2", "--batch-size", "32", "--lr", "5e-4",
            "--no-checkpoint", "--out", out.toString()};
        System.out.println("  infuse " + String.join(" ", args));
        PrecisionBench.cli(args);
        var epochs = PrecisionBench.json(out.resolve("metrics.json")).get("epochs");
        double perSecond = epochs.get(1).get("examples_per_second").asDouble();
        System.out.printf(Locale.ROOT, "  LoRA training %s, epoch 2: %.2f examples/s%n", precision, perSecond);
        return perSecond;
    }

    /** Mean word pieces of the first {@code n} training sentences, with [CLS], [SEP] and the four entity markers. */
    static double meanTokens(List<SemEvalExample> records, Tokenizer tokenizer, int n) {
        int count = Math.min(n, records.size());
        long sum = 0;
        for (SemEvalExample e : records.subList(0, count)) {
            sum += tokenizer.encode(e.text()).ids().length + 4;
        }
        return (double) sum / count;
    }

    /** Forward and backward FLOPs of one example of {@code t} tokens through BERT-base with the LoRA above. */
    static double flopsPerExample(double t) {
        double h = 768;
        double i = 3072;
        int layers = 12;
        double frozen = 2 * (4 * h * h + 2 * h * i);
        double attention = 4 * t * h;
        double lora = 2 * R * ((h + h) * 4 + (h + i) * 2);
        double perToken = layers * (frozen + attention + frozen + 2 * attention + 4 * lora);
        return perToken * t;
    }

    static String markdown(Figures f, String machine, String command) {
        StringBuilder s = new StringBuilder();
        s.append("\n## 10. Training a downstream model through the frozen backbone (LoRA)\n\n");
        s.append("`infuse eval --task semeval --layer-plugin lora --layer-set sites=all --layer-set r=16` on the first ")
                .append(f.examples()).append(" SemEval training sentences, two epochs, batch 32, in each precision; the better "
                        + "of two interleaved runs' second (warm) epoch counts. FLOPs: forward and backward through the frozen "
                        + "encoder (input gradients only) and the LoRA products, on real word pieces (")
                .append(String.format(Locale.ROOT, "%.1f", f.tokensPerExample())).append(" per sentence with markers: ")
                .append(String.format(Locale.ROOT, "%.2f", f.flopsPerExample() / 1e9)).append(" GFLOP per example); padding "
                        + "is not counted. Machine: ").append(machine).append("; load average at the start ").append(f.load())
                .append(".\n\n");
        s.append("| precision | epoch 2, examples/s (each run) | achieved GFLOP/s | MatMul limit GFLOP/s | share of the limit |\n");
        s.append("|---|---|---|---|---|\n");
        for (Side side : List.of(f.fp32(), f.bf16())) {
            PrecisionBench.Limit l = side == f.fp32() ? f.limitFp32() : f.limitBf16();
            s.append(String.format(Locale.ROOT, "| %s | %.2f, %.2f | %.1f | %.1f | %.0f%% |%n", side.precision(),
                    side.examplesPerSecond()[0], side.examplesPerSecond()[1], side.gflops(), l.best(), 100 * side.gflops() / l.best()));
        }
        s.append(String.format(Locale.ROOT, "%nbf16 trains the LoRA downstream model **%.2f×** as fast as fp32.%n%n", f.ratio()));
        s.append("```\n").append(command).append("\n```\n");
        return s.toString();
    }
}
