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
        description = {"LAMA probe: P@1 of single-token objects through the frozen MLM head, per relation and averaged.",
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

    @Option(names = "--max-facts", defaultValue = "0", description = "At most this many facts per relation (0 = all).")
    int maxFacts;

    @Option(names = "--top", defaultValue = "10", description = "Predictions written per query (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder: metrics.json, predictions.jsonl.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path folder = lama != null ? lama : data != null ? data.resolve("lama") : null;
        if (folder == null) {
            throw new InfuseException("usage", "give --lama DIR (a LAMA folder) or --data DIR (with a lama/ sub-folder)");
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        if (backbonePath != null) {
            cfg.put("path", backbonePath);
        }
        RunOptions.putPrecision(cfg, precision);
        try (Infuse infuse = common.open(spec.commandLine().getErr());
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
                builder.fusion(infuse.createFusion(fusion, PluginConfig.empty("fusion '" + fusion + "'"), b.spec(), (int) sides), false);
            }
            try (ComposedModel model = builder.build()) {
                loaded.forEach(l -> l.loadInto(model));
                List<KnowledgeAdapter> list = loaded.stream().map(AdapterArtifacts.Loaded::adapter).toList();
                LamaProbeTask task = LamaProbeTask.of(folder, model.tokenizer(), list, maxFacts);
                out.printf("probing %d facts (skipped: %s)%n", task.size(), task.skipped());
                List<LamaProbeTask.Prediction> predictions = task.predict(model, top);
                Map<String, Double> metrics = task.score(predictions);
                Files.createDirectories(this.out);
                List<Map<String, Object>> rows = new ArrayList<>();
                for (LamaProbeTask.Prediction p : predictions) {
                    List<Map<String, Object>> topK = new ArrayList<>();
                    for (int i = 0; i < p.top().size(); i++) {
                        topK.add(Map.of("token", p.top().get(i), "probability", p.probabilities().get(i)));
                    }
                    rows.add(Map.of("relation", p.relation(), "subject", p.subject(), "object", p.object(), "top", topK));
                }
                Json.writeLines(this.out.resolve("predictions.jsonl"), rows);
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("metrics", metrics);
                summary.put("skipped", task.skipped());
                summary.put("adapters", adapters.stream().map(Path::toString).toList());
                summary.put("lama", folder.toString());
                summary.put("fusion", sides > 0 ? fusion : null);
                summary.put("max_facts", maxFacts);
                Json.write(this.out.resolve("metrics.json"), summary);
                out.printf("P@1 %.2f (mean over %d relations), %.2f over all facts%n", 100 * metrics.get("p_at_1"),
                        metrics.get("relations").intValue(), 100 * metrics.get("p_at_1_micro"));
                out.printf("output: %s%n", this.out);
                return 0;
            }
        }
    }
}
