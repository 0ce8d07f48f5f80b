package dev.infuse.adapter.kilm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.api.Provenance;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingReport;
import dev.infuse.data.Splits;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.sf.extjwnl.data.POS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KILM-style pretraining and its evaluation, end to end: entity descriptions from WN18RR (with
 * WordNet 3.1 usage examples as contexts) or from WordNet 3.1 alone, an entity-level split, the
 * {@code kilm} adapter trained on description infilling over a frozen backbone, and infilling
 * metrics on held-out entities for the plug-in and for the frozen backbone alone (markers as
 * {@code [PAD]} and as plain text), written to {@code metrics.json}; the adapter is saved as an
 * artifact under {@code adapter/}.
 *
 * <pre>
 * KilmPretraining --out DIR [--source wn18rr|wordnet31] [--wn18rr entity2text.txt]
 *     [--backbone bert] [--train 3000] [--test 500] [--epochs 2] [--batch 32] [--lr 1e-3]
 *     [--max-pieces 12] [--max-length 64] [--seed 42] [--adapter key=value,key=value]
 * </pre>
 *
 * The backbone is found through the plugin registry, so a backbone plugin (e.g. {@code bert} with the
 * BERT-base jar) must be on the class path.
 */
public final class KilmPretraining {
    private static final Logger LOG = LoggerFactory.getLogger(KilmPretraining.class);

    /**
     * Settings of one run.
     *
     * @param out output folder
     * @param source {@code wn18rr} or {@code wordnet31}
     * @param wn18rr WN18RR's {@code entity2text.txt} (for {@code wn18rr})
     * @param backbone backbone provider name
     * @param train training entities (at most)
     * @param test held-out entities (at most)
     * @param training optimiser settings
     * @param maxPieces cap on masked description pieces
     * @param maxLength cap on sequence length
     * @param adapter the adapter's configuration
     */
    public record Settings(Path out, String source, Path wn18rr, String backbone, int train, int test,
            TrainingConfig training, int maxPieces, int maxLength, Map<String, String> adapter) {}

    private KilmPretraining() {}

    /** Command-line entry point; see the class comment. */
    public static void main(String[] args) throws IOException {
        try {
            run(parse(args));
        } catch (InfuseException e) {
            System.err.println("error[" + e.code() + "]: " + e.getMessage());
            System.exit(e.exitCode());
        }
    }

    static Settings parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new InfuseException("usage", "expected --name value pairs, got '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[++i]);
        }
        Map<String, String> adapter = new LinkedHashMap<>();
        for (String kv : a.getOrDefault("adapter", "").split(",")) {
            if (!kv.isBlank()) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new InfuseException("usage", "--adapter: expected key=value, got '" + kv + "'");
                }
                adapter.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        if (!a.containsKey("out")) {
            throw new InfuseException("usage", "--out DIR is required");
        }
        TrainingConfig tc = new TrainingConfig(Integer.parseInt(a.getOrDefault("epochs", "2")),
                Integer.parseInt(a.getOrDefault("batch", "32")), 0, Double.parseDouble(a.getOrDefault("lr", "1e-3")),
                0.1, 1.0, 0, Long.parseLong(a.getOrDefault("seed", "42")));
        return new Settings(Path.of(a.get("out")), a.getOrDefault("source", "wn18rr"),
                a.containsKey("wn18rr") ? Path.of(a.get("wn18rr")) : null, a.getOrDefault("backbone", "bert"),
                Integer.parseInt(a.getOrDefault("train", "3000")), Integer.parseInt(a.getOrDefault("test", "500")), tc,
                Integer.parseInt(a.getOrDefault("max-pieces", "12")), Integer.parseInt(a.getOrDefault("max-length", "64")),
                adapter);
    }

    /** Runs the whole experiment and returns the metrics written to {@code metrics.json}. */
    public static Map<String, Object> run(Settings s) throws IOException {
        long t0 = System.nanoTime();
        Descriptions all = load(s);
        LOG.info("{} entities from {} ({})", all.entities().size(), s.source(), all.counts());
        // Entity-level split: every item is one entity, grouped by its id.
        Splits.Split<EntityDescription> split = Splits.trainDev(all.entities(), 0.2, s.training().seed(),
                EntityDescription::id);
        List<EntityDescription> train = sample(split.train(), s.train(), s.training().seed());
        List<EntityDescription> test = sample(split.dev(), s.test(), s.training().seed() + 1);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("source", s.source());
        result.put("source_counts", all.counts());
        try (Infuse infuse = Infuse.builder().seed(s.training().seed()).build();
                Backbone backbone = infuse.createBackbone(s.backbone(), PluginConfig.empty("backbone '" + s.backbone() + "'"))) {
            Map<String, Object> baselines = new LinkedHashMap<>();
            for (KilmData.Markers m : List.of(KilmData.Markers.PAD, KilmData.Markers.TEXT)) {
                try (ComposedModel frozen = ComposedModel.builder(backbone).head(new MaskedLmHead(), false).build()) {
                    KilmData d = KilmData.build(test, frozen.tokenizer(), KilmTokens.DEFAULT, m, s.maxPieces(), s.maxLength());
                    Map<String, Double> metrics = new KilmEvaluator(d, 16).evaluate(frozen);
                    LOG.info("frozen {} markers: {}", m, metrics);
                    baselines.put("frozen_" + m.name().toLowerCase(java.util.Locale.ROOT), metrics);
                }
            }
            PluginConfig ac = PluginConfig.of("adapter 'kilm'", s.adapter());
            KnowledgeAdapter adapter = infuse.createAdapter(KilmAdapterProvider.NAME, ac, backbone.spec());
            ComposedModel.Builder b = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE)
                    .head(new MaskedLmHead(), false).seed(s.training().seed()).forTraining(true);
            if (!adapter.taps().isEmpty()) {
                Fusion add = infuse.createFusion("add", PluginConfig.empty("fusion 'add'"), backbone.spec(), 1);
                b.fusion(add, false);
            }
            try (ComposedModel model = b.build()) {
                KilmData trainData = KilmData.build(train, model.tokenizer(), KilmTokens.DEFAULT, KilmData.Markers.ADDED,
                        s.maxPieces(), s.maxLength());
                KilmData testData = KilmData.build(test, model.tokenizer(), KilmTokens.DEFAULT, KilmData.Markers.ADDED,
                        s.maxPieces(), s.maxLength());
                Map<String, Double> prior = KilmEvaluator.positionPrior(trainData, testData);
                LOG.info("position prior (no model): {}", prior);
                KilmEvaluator evaluator = new KilmEvaluator(testData, 16);
                Map<String, Double> untrained = evaluator.evaluate(model);
                LOG.info("untrained plugin: {}", untrained);
                LOG.info("training on {} entities ({}), {} trainable of {} parameters", trainData.size(),
                        trainData.counts(), model.trainableParameterCount(), model.totalParameterCount());
                // No selection on the held-out entities: the last epoch is kept.
                TrainingReport report = new Trainer(s.training()).fit(model, trainData, null);
                Map<String, Double> trained = evaluator.evaluate(model);
                LOG.info("trained plugin: {}", trained);
                result.put("train_entities", trainData.size());
                result.put("train_counts", trainData.counts());
                result.put("test_entities", testData.size());
                result.put("test_counts", testData.counts());
                result.put("adapter_config", adapter.config());
                result.put("trainable_parameters", model.trainableParameterCount());
                result.put("training", Map.of("epochs", s.training().epochs(), "batch", s.training().batchSize(),
                        "lr", s.training().learningRate(), "seconds", report.seconds(),
                        "epoch_losses", report.epochs().stream().map(TrainingReport.EpochRecord::meanLoss).toList()));
                result.put("position_prior", prior);
                result.putAll(baselines);
                result.put("plugin_untrained", untrained);
                result.put("plugin", trained);
                Provenance.Builder p = Provenance.builder().seed(s.training().seed()).metrics(trained)
                        .hyperParameter("source", s.source()).hyperParameter("train_entities", trainData.size())
                        .hyperParameter("epochs", s.training().epochs()).hyperParameter("lr", s.training().learningRate())
                        .hyperParameter("max_pieces", s.maxPieces()).hyperParameter("max_length", s.maxLength());
                if (s.wn18rr() != null && s.source().equals("wn18rr")) {
                    p.dataFile(s.wn18rr());
                }
                String version = infuse.registry().info(PluginKind.ADAPTER, KilmAdapterProvider.NAME).version();
                AdapterArtifacts.save(model, adapter, version, s.out().resolve("adapter"), p.build(), false);
            }
        }
        result.put("seconds", (System.nanoTime() - t0) / 1e9);
        writeJson(s.out().resolve("metrics.json"), result);
        return result;
    }

    static Descriptions load(Settings s) {
        switch (s.source()) {
            case "wn18rr" -> {
                if (s.wn18rr() == null) {
                    throw new InfuseException("usage", "--source wn18rr needs --wn18rr PATH/entity2text.txt");
                }
                Descriptions d = WordNetDescriptions.readWn18rr(s.wn18rr());
                Descriptions withContexts = WordNetDescriptions.addContexts(d.entities());
                Map<String, Long> counts = new LinkedHashMap<>(d.counts());
                counts.putAll(withContexts.counts());
                return new Descriptions(withContexts.entities(), counts);
            }
            case "wordnet31" -> {
                return WordNetDescriptions.wordNet31(List.of(POS.NOUN));
            }
            default -> throw new InfuseException("usage", "--source must be wn18rr or wordnet31, not '"
                    + s.source() + "'");
        }
    }

    private static <T> List<T> sample(List<T> items, int n, long seed) {
        List<T> copy = new ArrayList<>(items);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = copy.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return copy.subList(0, Math.min(n, copy.size()));
    }

    private static void writeJson(Path file, Object value) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value),
                StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
