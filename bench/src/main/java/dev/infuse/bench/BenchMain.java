package dev.infuse.bench;

import dev.infuse.backbone.bert.BertBackbone;
import dev.infuse.backbone.bert.BertProvider;
import dev.infuse.backbone.bert.RandomBertProvider;
import dev.infuse.data.SemEval2010;
import dev.infuse.data.SemEvalExample;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.TokenizedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs the benchmark suite in one process and rewrites {@code docs/BENCHMARKS.md}.
 *
 * <p>Usage: {@code BenchMain DATA_DIR [--sentences N] [--train N] [--calls N] [--lama-facts N] [--train-kilm N] [--precision-only] [--lora-only N] [--out FILE]}.
 */
public final class BenchMain {
    /** Sentences of each side of the XLA trial. */
    static final int XLA_SENTENCES = 256;
    /** Training runs of §8.4 in each precision. */
    static final int TRAINING_RUNS = 2;

    private BenchMain() {}

    /** Entry point; see the class comment for the arguments. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: BenchMain DATA_DIR [--sentences N] [--train N] [--calls N] [--lama-facts N] [--train-kilm N] [--precision-only] [--out FILE]");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        int sentences = 1000;
        int train = 300;
        int calls = 10_000;
        int composedSentences = 256;
        double pointSeconds = 4;
        Path forwardOnly = null;
        boolean precisionOnly = false;
        int loraOnly = 0;
        int lamaFacts = 100;
        int trainKilm = 256;
        String xlaTrial = null;
        Path out = Path.of("docs", "BENCHMARKS.md");
        for (int i = 1; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--sentences" -> sentences = Integer.parseInt(required(args[i], v));
                case "--train" -> train = Integer.parseInt(required(args[i], v));
                case "--calls" -> calls = Integer.parseInt(required(args[i], v));
                case "--out" -> out = Path.of(required(args[i], v));
                case "--composed" -> composedSentences = Integer.parseInt(required(args[i], v));
                case "--point-seconds" -> pointSeconds = Double.parseDouble(required(args[i], v));
                case "--forward-only" -> forwardOnly = Path.of(required(args[i], v));
                case "--xla-trial" -> xlaTrial = required(args[i], v);
                case "--lama-facts" -> lamaFacts = Integer.parseInt(required(args[i], v));
                case "--train-kilm" -> trainKilm = Integer.parseInt(required(args[i], v));
                case "--lora-only" -> loraOnly = Integer.parseInt(required(args[i], v));
                case "--precision-only" -> {
                    precisionOnly = true;
                    i--;
                }
                default -> throw new InfuseException("usage", "unknown argument '" + args[i]
                        + "'; expected --sentences, --train, --calls, --composed, --point-seconds, --out, --forward-only "
                        + "--xla-trial, --lama-facts, --train-kilm, --precision-only or --lora-only N");
            }
            i++;
        }
        Path trainFile0 = dataDir.resolve("semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT");
        Path bertCache0 = Path.of(System.getProperty("user.home"), ".infuse", "cache", "backbone", "bert");
        if (forwardOnly != null) {
            // One side of the XLA trial: XLA is switched on per process (TF_XLA_FLAGS), so each side runs alone.
            int n = Math.min(sentences, XLA_SENTENCES);
            List<SemEvalExample> ex = SemEval2010.read(trainFile0).records().subList(0, n);
            try (BertBackbone bert = BertProvider.load(null, bertCache0)) {
                List<TokenizedText> texts = ForwardBench.fitPeer(ex.stream().map(e -> bert.tokenizer().encode(e.text())).toList());
                double perSecond = ForwardBench.oursOnly(bert, texts, 32);
                String flags = System.getenv().getOrDefault("TF_XLA_FLAGS", "");
                System.out.printf("forward only (TF_XLA_FLAGS='%s'): %d sentences, %.2f sentences/s%n", flags, n, perSecond);
                Files.writeString(forwardOnly, String.format(java.util.Locale.ROOT, "%d %.4f%n", n, perSecond));
            }
            return;
        }
        if (loraOnly > 0) {
            // §10 alone, printed: LoRA training through the frozen backbone in both precisions.
            Path tmp10 = Files.createTempDirectory("infuse-bench");
            try (BertBackbone bert = BertProvider.load(null, bertCache0)) {
                TrainingBench.Figures f = TrainingBench.run(dataDir, loraOnly, bert.tokenizer(), tmp10);
                System.out.println(TrainingBench.markdown(f, Machine.describe(), System.getProperty("bench.command",
                        "BenchMain " + String.join(" ", args))));
            }
            deleteTree(tmp10);
            return;
        }
        if (precisionOnly) {
            // §8 alone, printed (summary rows and section), without rewriting the report.
            List<SemEvalExample> ex = SemEval2010.read(trainFile0).records().subList(0, sentences);
            Path tmp8 = Files.createTempDirectory("infuse-bench");
            Report.Precision p8 = precisionSection(dataDir, ex, bertCache0, lamaFacts, trainKilm, tmp8);
            System.out.println(Report.precisionSummary(p8) + Report.precision(p8));
            deleteTree(tmp8);
            return;
        }
        String command = System.getProperty("bench.command", "BenchMain " + String.join(" ", args));
        String date = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        String machine = Machine.describe();
        String loadBefore = Machine.loadAverage();
        System.out.println("machine: " + machine + "; load average " + loadBefore);

        Path trainFile = trainFile0;
        List<SemEvalExample> examples = SemEval2010.read(trainFile).records();
        if (examples.size() < Math.max(sentences, train)) {
            throw new InfuseException("data-empty", trainFile + ": " + examples.size() + " examples, the run asks for "
                    + Math.max(sentences, train));
        }

        System.out.println("[2] machine limit: chained 2048×2048 MatMuls");
        MatMulBench.Figures mm = MatMulBench.measure(2048, 10, 5);

        Path bertCache = bertCache0;
        System.out.println("[1] frozen forward: loading BERT-base (cache " + bertCache + ")");
        ForwardBench.Figures fw;
        CacheBench.Figures cb;
        ComposedBench.Figures cm;
        ScalingBench.Figures sc;
        HostSideRun.Figures host;
        Report.Precision p8;
        double hwm;
        Path tmp = Files.createTempDirectory("infuse-bench");
        try (BertBackbone bert = BertProvider.load(null, bertCache)) {
            List<TokenizedText> texts = ForwardBench.fitPeer(examples.subList(0, sentences).stream()
                    .map(e -> bert.tokenizer().encode(e.text())).toList());
            fw = ForwardBench.run(bert, bertCache.resolve("bert-uncased-L-12-H-768-A-12"), texts, 32);
            System.out.printf("  peer %.2f sentences/s, ours %.2f sentences/s (%.2f×), max |diff| %.2e, ours %.1f GFLOP/s%n",
                    fw.peerPerSecond(), fw.oursPerSecond(), fw.oursPerSecond() / fw.peerPerSecond(), fw.maxAbsDiff(),
                    fw.oursGflops());

            System.out.println("[3] activation cache: adapter training on " + train + " sentences");
            cb = CacheBench.run(bert, examples.subList(0, train), tmp.resolve("activations"));
            hwm = Machine.statusMiB("VmHWM");
            System.out.printf("[5] peak RSS so far (VmHWM) %.0f MiB%n", hwm);

            System.out.println("[4] composed inference on " + Math.min(composedSentences, texts.size()) + " sentences");
            cm = ComposedBench.run(bert, texts.subList(0, Math.min(composedSentences, texts.size())), 32);
            System.out.printf("  time ratio %.3f, FLOP ratio %.3f%n", cm.timeRatio(), cm.flopRatio());
            // §8 next (two more BERTs in memory for a while), so that it is in the partial report too.
            p8 = precisionSection(dataDir, examples.subList(0, sentences), bertCache, lamaFacts, trainKilm, tmp);
            // The first part of the report is on disk before the slower remaining sections run.
            writeAtomically(out, Report.markdown(new Report.Run(date, machine, command + " (partial: §5, §6 and §7 pending)",
                    loadBefore, Machine.loadAverage(), sentences, train), mm, fw, cb, hwm, null, cm, null,
                    Report.Xla.read(xlaTrial), p8) + Report.precision(p8));

            System.out.println("[6] scaling");
            sc = ScalingBench.run(bert, texts, new int[] {1, 4, 16, 32, 64}, 64, new int[] {16, 32, 64, 128, 256, 512}, 16,
                    pointSeconds);

            System.out.println("[7] host side (JMH, forked JVM): tokenization and batch tensors of the §1 sentences");
            host = HostSideRun.run(bert.vocabularyFile(), examples.subList(0, sentences).stream().map(SemEvalExample::text).toList(),
                    tmp);
            for (HostSideRun.Measure m : host.measures()) {
                System.out.printf("  %s: %.1f µs per sentence%n", m.name(), m.microsPerSentence(host.sentences()));
            }
        }
        System.out.println("[5] " + calls + " inference calls on the tiny random BERT");
        MemoryBench.Figures mem;
        try (BertBackbone tiny = RandomBertProvider.create(tmp.resolve("tiny"))) {
            mem = MemoryBench.run(tiny, calls, Math.min(1000, calls / 5), Math.max(1, calls / 20));
        }
        System.out.printf("  slope %.2f MiB per 1000 calls%n", mem.slopePer1000());
        deleteTree(tmp);
        String loadAfter = Machine.loadAverage();

        Report.Xla xla = Report.Xla.read(xlaTrial);
        System.out.println("[8] paired statistics of a benchmark.yaml-sized study");
        StatsBench.Figures stats = StatsBench.run(10_000, 5);
        String md = Report.markdown(new Report.Run(date, machine, command, loadBefore, loadAfter, sentences, train), mm, fw, cb,
                hwm, mem, cm, sc, xla, p8) + Report.hostSide(host, fw) + Report.precision(p8) + StatsBench.markdown(stats, machine, command);
        writeAtomically(out, md);
        System.out.println("wrote " + out);
    }

    /** §8: fp32 against bf16 (limits, four forward runs, hidden-state differences, training, LAMA). */
    static Report.Precision precisionSection(Path dataDir, List<SemEvalExample> examples, Path bertCache, int lamaFacts,
            int trainKilm, Path tmp) {
        String load = Machine.loadAverage();
        System.out.println("[8] precision: MatMul limits in fp32 and bf16");
        PrecisionBench.Limit l32 = PrecisionBench.limit(false, 2048, 10, 3);
        PrecisionBench.Limit l16 = PrecisionBench.limit(true, 2048, 10, 3);
        PrecisionBench.Figures pf;
        System.out.println("[8] precision: forward, four ways");
        try (BertBackbone fp32 = BertProvider.load(null, bertCache, "fp32");
                BertBackbone bf16 = BertProvider.load(null, bertCache, "bf16")) {
            List<TokenizedText> texts = ForwardBench.fitPeer(examples.stream().map(e -> fp32.tokenizer().encode(e.text())).toList());
            pf = PrecisionBench.run(fp32, bf16, bertCache.resolve("bert-uncased-L-12-H-768-A-12"), texts, 32);
        }
        System.out.printf("  peer fp32 %.2f, peer bf16 %.2f, ours fp32 %.2f (%.1f GFLOP/s), ours bf16 %.2f (%.1f GFLOP/s)%n",
                pf.peerFp32(), pf.peerBf16(), pf.oursFp32(), pf.oursFp32Gflops(), pf.oursBf16(), pf.oursBf16Gflops());
        System.out.println("[8] precision: MatMul limits again, right after the forward runs");
        l32 = PrecisionBench.better(l32, PrecisionBench.limit(false, 2048, 10, 3));
        l16 = PrecisionBench.better(l16, PrecisionBench.limit(true, 2048, 10, 3));
        // Interleaved fp32, bf16, fp32, bf16; the better run of each counts (the machine is shared, as for the limits).
        System.out.println("[8] precision: training through the frozen backbone, " + TRAINING_RUNS + " runs each, interleaved");
        double[][] t32 = new double[TRAINING_RUNS][];
        double[][] t16 = new double[TRAINING_RUNS][];
        for (int r = 0; r < TRAINING_RUNS; r++) {
            t32[r] = PrecisionBench.training("fp32", trainKilm, tmp.resolve("kilm-fp32-" + r));
            t16[r] = PrecisionBench.training("bf16", trainKilm, tmp.resolve("kilm-bf16-" + r));
        }
        System.out.println("[8] precision: LAMA T-REx");
        PrecisionBench.Lama lama = lamaFacts > 0 ? PrecisionBench.lama(dataDir.resolve("lama"), lamaFacts, tmp) : null;
        dev.infuse.spi.Precision.Machine m = dev.infuse.spi.Precision.Machine.current();
        String auto = dev.infuse.spi.Precision.resolve("auto", "auto", m).label();
        return new Report.Precision(l32, l16, pf, trainKilm, t32, t16, lama, lamaFacts, auto, Machine.cpuModel(), m.cpuFlags(),
                m.bf16Flags(), load);
    }

    private static void writeAtomically(Path out, String md) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".BENCHMARKS", ".tmp");
        Files.writeString(temp, md, StandardCharsets.UTF_8);
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String required(String flag, String value) {
        if (value == null) {
            throw new InfuseException("usage", flag + " needs a value");
        }
        return value;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
