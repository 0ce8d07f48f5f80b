package dev.infuse.kg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command-line TransE: trains on a triples folder, evaluates filtered link prediction on the
 * validation and test splits, and writes into {@code --out}:
 * {@code entity_embeddings.safetensors}, {@code relation_embeddings.safetensors} (see
 * {@link EntityEmbeddings}), optionally {@code entity_embeddings.tsv} ({@code --text}),
 * {@code metrics.json}, and {@code checkpoint/} for resuming.
 *
 * <pre>
 * TransECommand --data FOLDER | --train F --valid F --test F   --out DIR
 *   [--dimension 128] [--norm 1] [--margin 5] [--negatives 8] [--batch-size 4096] [--epochs 100]
 *   [--lr 0.001] [--optimizer adam|sgd] [--sampling bern|uniform] [--no-normalize] [--seed 42]
 *   [--checkpoint-every 10] [--valid-every 0] [--valid-sample 2000] [--threads 0] [--no-progress]
 *   [--skip-test] [--text]
 * </pre>
 * {@code --data} reads OpenKE id files when the folder has {@code train2id.txt}, else
 * {@code train|dev|valid|test.{tsv,txt}}. Exit codes follow {@link InfuseException#exitCode()}.
 */
public final class TransECommand {
    private TransECommand() {}

    /** Runs the command; prints {@code error[code]: message} and exits non-zero on bad input. */
    public static void main(String[] args) {
        try {
            run(args);
        } catch (InfuseException e) {
            System.err.println("error[" + e.code() + "]: " + e.getMessage());
            System.exit(e.exitCode());
        }
    }

    /** Runs the command and returns the metrics written to {@code metrics.json}. */
    public static Map<String, Object> run(String[] args) {
        Map<String, String> opt = parse(args);
        TransEConfig c = TransEConfig.defaults();
        c = c.withDimension(intOpt(opt, "dimension", c.dimension())).withNorm(intOpt(opt, "norm", c.norm()))
                .withMargin(doubleOpt(opt, "margin", c.margin())).withNegatives(intOpt(opt, "negatives", c.negatives()))
                .withBatchSize(intOpt(opt, "batch-size", c.batchSize())).withEpochs(intOpt(opt, "epochs", c.epochs()))
                .withLearningRate(doubleOpt(opt, "lr", c.learningRate()))
                .withOptimizer(opt.getOrDefault("optimizer", c.optimizer()))
                .withSampling(opt.getOrDefault("sampling", c.sampling()))
                .withNormalizeEntities(!opt.containsKey("no-normalize"))
                .withSeed(intOpt(opt, "seed", (int) c.seed()));
        int checkpointEvery = intOpt(opt, "checkpoint-every", 10);
        int validEvery = intOpt(opt, "valid-every", 0);
        int validSample = intOpt(opt, "valid-sample", 2000);
        int threads = intOpt(opt, "threads", 0);
        int evalThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        String outOpt = opt.get("out");
        if (outOpt == null) {
            throw new InfuseException("usage", "--out DIR is required");
        }
        Path out = Path.of(outOpt);
        long t0 = System.nanoTime();
        KnowledgeGraph g;
        if (opt.containsKey("data")) {
            g = KnowledgeGraph.read(Path.of(opt.get("data")));
        } else if (opt.containsKey("train") && opt.containsKey("valid") && opt.containsKey("test")) {
            List<String> declared = new ArrayList<>();
            if (opt.containsKey("entities")) {
                KnowledgeGraph.readLabelledLines(Path.of(opt.get("entities")), line -> {
                    if (!line.isBlank()) {
                        declared.add(line.strip());
                    }
                });
            }
            g = KnowledgeGraph.readLabelled(Path.of(opt.get("train")), Path.of(opt.get("valid")), Path.of(opt.get("test")),
                    declared);
        } else {
            throw new InfuseException("usage", "give --data FOLDER, or --train, --valid and --test files");
        }
        System.out.println("data: " + g.summary());
        System.out.println("config: " + c.toMap());
        List<Triples> known = List.of(g.train(), g.valid(), g.test());
        Triples validSubset = g.valid().head(validSample);
        List<Map<String, Object>> history = new ArrayList<>();
        TransETrainer trainer = new TransETrainer(c).checkpoints(out.resolve("checkpoint"), checkpointEvery)
                .progress(!opt.containsKey("no-progress")).threads(threads)
                .onEpoch((epoch, loss, speed, model) -> {
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("epoch", epoch);
                    h.put("loss", loss);
                    h.put("triples_per_second", speed);
                    String line = String.format(Locale.ROOT, "epoch %d loss %.5f %.0f triples/s", epoch, loss, speed);
                    if (validEvery > 0 && (epoch % validEvery == 0)) {
                        LinkPrediction.Metrics m = model.get().evaluate(validSubset, known, evalThreads);
                        h.put("valid_sample", m.toMap());
                        line += "  valid[" + validSubset.size() + "] " + m;
                    }
                    history.add(h);
                    System.out.println(line);
                });
        long tTrain = System.nanoTime();
        TransEModel model = trainer.train(g);
        double trainSeconds = (System.nanoTime() - tTrain) / 1e9;
        System.out.println(String.format(Locale.ROOT, "trained epochs %d..%d in %.1f s", trainer.startEpoch() + 1,
                c.epochs(), trainSeconds));
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", "transe");
        metrics.put("config", c.toMap());
        metrics.put("data", g.summary());
        metrics.put("resumed_from_epoch", trainer.startEpoch());
        long e0 = System.nanoTime();
        LinkPrediction.Metrics valid = model.evaluate(g.valid(), known, evalThreads);
        System.out.println("valid (filtered): " + valid);
        metrics.put("valid", valid.toMap());
        if (!opt.containsKey("skip-test")) {
            LinkPrediction.Metrics test = model.evaluate(g.test(), known, evalThreads);
            System.out.println("test (filtered): " + test);
            metrics.put("test", test.toMap());
        }
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        metrics.put("tie_rule", "realistic rank: 1 + better + tied/2");
        metrics.put("skipped_valid", g.skippedValid());
        metrics.put("skipped_test", g.skippedTest());
        metrics.put("train_seconds", trainSeconds);
        metrics.put("eval_seconds", evalSeconds);
        metrics.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        metrics.put("processors", Runtime.getRuntime().availableProcessors());
        metrics.put("history", history);
        model.entityEmbeddings().writeSafeTensors(out.resolve("entity_embeddings.safetensors"));
        model.relationEmbeddings().writeSafeTensors(out.resolve("relation_embeddings.safetensors"));
        if (opt.containsKey("text")) {
            model.entityEmbeddings().writeText(out.resolve("entity_embeddings.tsv"));
        }
        writeJson(out.resolve("metrics.json"), metrics);
        System.out.println("wrote " + out.toAbsolutePath());
        return metrics;
    }

    private static void writeJson(Path file, Object value) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new InfuseException("data-io", file + ": could not write (" + e + ")", e);
        }
    }

    private static final List<String> FLAGS = List.of("no-normalize", "no-progress", "skip-test", "text");
    private static final List<String> VALUED = List.of("data", "train", "valid", "test", "entities", "out", "dimension", "norm",
            "margin", "negatives", "batch-size", "epochs", "lr", "optimizer", "sampling", "seed", "checkpoint-every",
            "valid-every", "valid-sample", "threads");

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new InfuseException("usage", "unexpected argument '" + a + "', expected --option");
            }
            String k = a.substring(2);
            if (FLAGS.contains(k)) {
                m.put(k, "true");
            } else if (VALUED.contains(k)) {
                if (i + 1 >= args.length) {
                    throw new InfuseException("usage", a + " needs a value");
                }
                m.put(k, args[++i]);
            } else {
                throw new InfuseException("usage", "unknown option " + a + "; known: --" + String.join(", --", VALUED)
                        + ", --" + String.join(", --", FLAGS));
            }
        }
        return m;
    }

    private static int intOpt(Map<String, String> m, String k, int def) {
        String v = m.get(k);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InfuseException("usage", "--" + k + " '" + v + "' is not an integer");
        }
    }

    private static double doubleOpt(Map<String, String> m, String k, double def) {
        String v = m.get(k);
        try {
            return v == null ? def : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InfuseException("usage", "--" + k + " '" + v + "' is not a number");
        }
    }
}
