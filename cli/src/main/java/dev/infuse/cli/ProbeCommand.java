package dev.infuse.cli;

import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.tasks.LamaProbeTask;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code infuse probe}: LAMA-style knowledge probing through the frozen MLM head, with or without plugins. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"LAMA probe: P@1 of single-token objects through the frozen MLM head, per corpus (T-REx, Google-RE, ConceptNet, SQuAD: every one present) and per relation.",
            "Example: infuse probe --lama ../shared/data/lama --out runs/lama-bert"})
final class ProbeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--lama", paramLabel = "DIR", description = "A folder in the LAMA layout (relations.jsonl + per-relation facts).")
    Path lama;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder; the probe reads <DIR>/lama when --lama is absent.")
    Path data;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A knowledge-plugin artifact to plug in (repeatable).")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--backbone", defaultValue = "bert", description = "Backbone plugin (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--precision", paramLabel = "P",
            description = "Number format of the frozen backbone's products: fp32, bf16 or auto (bf16 on CPUs with avx512_bf16/amx_bf16 or a GPU; default: the backbone's own, auto for bert).")
    String precision;

    @Option(names = "--backbone-path", paramLabel = "DIR", description = "Model folder for the backbone.")
    String backbonePath;

    @Option(names = "--fusion", defaultValue = "add",
            description = "Fusion of side-network plugins before the frozen MLM head (default: ${DEFAULT-VALUE}, as KILM pretrains).")
    String fusion;

    @Option(names = "--fusion-set", paramLabel = "KEY=VALUE", description = "Configuration of the fusion (repeatable).")
    Map<String, String> fusionSettings;

    @Option(names = "--max-facts", defaultValue = "0", description = "At most this many facts per relation (0 = all).")
    int maxFacts;

    @Option(names = "--vocab", paramLabel = "FILE",
            description = "LAMA's common-vocabulary file: objects outside it are skipped, answers ranked among its word pieces only.")
    Path vocab;

    @Option(names = "--corpus", paramLabel = "NAME",
            description = "Probe only this corpus of the folder: trex, google-re, conceptnet or squad (default: every corpus present).")
    String corpus;

    @Option(names = "--top", defaultValue = "10", description = "Predictions written per query (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder: metrics.json, predictions.jsonl.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Checks that the {@code --fusion} plugin exists before the backbone is loaded (a misspelt name fails, used or not). */
    private Infuse withFusion(Infuse infuse) {
        try {
            infuse.registry().info(dev.infuse.spi.PluginKind.FUSION, fusion);
            return infuse;
        } catch (RuntimeException e) {
            infuse.close();
            throw e;
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path folder = lama != null ? lama : data != null ? data.resolve("lama") : null;
        if (folder == null) {
            throw new InfuseException("usage", "give --lama DIR (a LAMA folder) or --data DIR (with a lama/ sub-folder)");
        }
        OutputFolders.requireWritable(this.out, "--out", "config-output-folder");
        Map<String, Object> cfg = new LinkedHashMap<>();
        if (backbonePath != null) {
            cfg.put("path", backbonePath);
        }
        RunOptions.putPrecision(cfg, precision);
        try (Infuse infuse = withFusion(common.open(spec.commandLine().getErr()));
                Backbone b = infuse.createBackbone(backbone, PluginConfig.of("backbone '" + backbone + "'", cfg))) {
            List<AdapterArtifacts.Loaded> loaded = new ArrayList<>();
            ComposedModel.Builder builder = ComposedModel.builder(b).head(new dev.infuse.heads.MaskedLmHead(), false);
            for (Path a : adapters) {
                AdapterArtifacts.Loaded l = AdapterArtifacts.load(infuse, a, b);
                loaded.add(l);
                builder.adapter(l.adapter(), ComposedModel.Mode.FROZEN);
            }
            long sides = loaded.stream().filter(l -> !l.adapter().taps().isEmpty()).count();
            if (sides > 0) {
                // A side network's output reaches the MLM head only through a fusion; it stays frozen here.
                builder.fusion(infuse.createFusion(fusion, PluginConfig.of("fusion '" + fusion + "'", RunOptions.settings(fusionSettings)),
                        b.spec(), (int) sides), false);
            }
            try (ComposedModel model = builder.build()) {
                loaded.forEach(l -> l.loadInto(model));
                List<KnowledgeAdapter> list = loaded.stream().map(AdapterArtifacts.Loaded::adapter).toList();
                java.util.Set<String> vocabulary = vocab == null ? null : dev.infuse.data.Lama.readVocabulary(vocab);
                List<dev.infuse.data.Lama.Corpus> corpora = dev.infuse.data.Lama.readCorpora(folder, dev.infuse.data.Lama.SINGLE_WORD)
                        .stream().filter(c -> corpus == null || c.name().equals(corpus)).toList();
                if (corpora.isEmpty()) {
                    throw new InfuseException("config-bad-value", "--corpus " + corpus + ": " + folder + " holds "
                            + dev.infuse.data.Lama.readCorpora(folder, dev.infuse.data.Lama.SINGLE_WORD).stream()
                                    .map(dev.infuse.data.Lama.Corpus::name).toList());
                }
                Files.createDirectories(this.out);
                Map<String, Object> perCorpus = new LinkedHashMap<>();
                Map<String, Double> first = null;
                List<Map<String, Object>> rows = new ArrayList<>();
                for (dev.infuse.data.Lama.Corpus c : corpora) {
                    LamaProbeTask task = LamaProbeTask.of(c.probe(), folder + " (" + c.name() + ")", model.tokenizer(), list,
                            maxFacts, vocabulary);
                    out.printf("%s: probing %d facts (skipped: %s)%n", c.name(), task.size(), task.skipped());
                    List<LamaProbeTask.Prediction> predictions = task.predict(model, top);
                    Map<String, Double> metrics = task.score(predictions);
                    for (LamaProbeTask.Prediction p : predictions) {
                        List<Map<String, Object>> topK = new ArrayList<>();
                        for (int k = 0; k < p.top().size(); k++) {
                            topK.add(Map.of("token", p.top().get(k), "probability", p.probabilities().get(k)));
                        }
                        rows.add(Map.of("corpus", c.name(), "relation", p.relation(), "subject", p.subject(), "object", p.object(),
                                "top", topK));
                    }
                    var outcomeFile = new dev.infuse.api.Outcomes("lama-" + c.name(), "dev",
                            dev.infuse.spi.ItemMetric.of("p_at_1", dev.infuse.spi.ItemMetric.Kind.MACRO_RATIO),
                            LamaProbeTask.outcomes(predictions));
                    outcomeFile.write(this.out.resolve("outcomes-" + c.name() + ".json"));
                    if (first == null) {
                        first = metrics;
                        outcomeFile.write(this.out.resolve(dev.infuse.api.Outcomes.FILE_NAME));
                    }
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("metrics", metrics);
                    entry.put("skipped", task.skipped());
                    perCorpus.put(c.name(), entry);
                    out.printf("%s: P@1 %.2f (mean over %d relations), %.2f over all facts%n", c.name(), 100 * metrics.get("p_at_1"),
                            metrics.get("relations").intValue(), 100 * metrics.get("p_at_1_micro"));
                }
                Json.writeLines(this.out.resolve("predictions.jsonl"), rows);
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("metrics", first);
                summary.put("corpora", perCorpus);
                summary.put("adapters", adapters.stream().map(Path::toString).toList());
                summary.put("lama", folder.toString());
                summary.put("vocab", vocab == null ? null : vocab.toString());
                summary.put("fusion", sides > 0 ? fusion : null);
                summary.put("max_facts", maxFacts);
                Json.write(this.out.resolve("metrics.json"), summary);
                out.printf("output: %s%n", this.out);
                return 0;
            }
        }
    }
}
