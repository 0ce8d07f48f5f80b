package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.api.Artifacts;
import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.FileIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downstream models in study files on the tiny random BERT: a LoRA downstream model trained with the
 * head, the same model reused frozen by plug-and-play cells (alone, with a pretrained map-tuning
 * plug-in, with a mapper trained against it), resumption, the report's time and memory columns, bad
 * in-layer configurations stopped before any cell, and the example study files.
 */
class StudyDownstreamTest {

    static final String STUDY = """
            name: downstream
            backbone: {name: bert-random}
            data: data
            seeds: [1]
            budgets:
              default: {epochs: 2, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            knowledge_graphs:
              tiny: {source: kg, dimension: 8, epochs: 2, batch_size: 4}
            tasks: [fewrel]
            methods:
              - name: lora
                downstream:
                  layer_plugins:
                    - {name: lora, config: {r: 4, sites: [query, value]}}
                budget: {lr: 5e-3}
              - name: lora.frozen
                downstream: {from: lora}
              - name: lora.plugin
                downstream: {from: lora}
                adapters:
                  - adapter: map-tuning
                    config: {embeddings: "kg:tiny"}
                    pretrain: {task: mention-mlm, epochs: 1}
              - name: lora.mapper
                downstream: {from: lora}
                adapters:
                  - {adapter: map-tuning, mode: train, config: {embeddings: "kg:tiny"}}
            """;

    static Infuse infuse(Path tmp) {
        return Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
    }

    static StudyResults run(Path tmp, Path file, Path out) {
        try (Infuse infuse = infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            return StudyRunner.run(infuse, StudyFile.read(file, null), out, executor);
        }
    }

    static Map<String, StudyResults.CellResult> byMethod(StudyResults r) {
        return r.cells().stream().collect(Collectors.toMap(StudyResults.CellResult::method, Function.identity()));
    }

    static String headWeights(Path out, String method) {
        return Artifacts.readManifest(out.resolve("cells/" + method + "/fewrel/seed-1/head")).weights().sha256();
    }

    @Test
    void trainsInLayerPlugInsWithTheHeadAndReusesTheSavedModelFrozen(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("downstream.yaml"), STUDY);
        Path out = tmp.resolve("out");
        StudyResults r = run(tmp, file, out);

        Map<String, StudyResults.CellResult> cells = byMethod(r);
        assertThat(r.cells()).extracting(StudyResults.CellResult::method)
                .containsExactly("baseline", "lora", "lora.frozen", "lora.plugin", "lora.mapper"); // grid order kept
        cells.values().forEach(c -> assertThat(c.status()).as(c.method() + ": " + c.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        StudyResults.CellResult base = cells.get("baseline");
        StudyResults.CellResult lora = cells.get("lora");
        // LoRA's A and B (2 layers × 2 sites) train with the head: more trainable parameters than the head alone.
        assertThat(lora.trainableParameters()).isEqualTo(base.trainableParameters() + 2 * 2 * (32 * 4 + 4 * 32));
        assertThat(lora.curve()).hasSize(2);
        assertThat(lora.trainSeconds()).isPositive();
        assertThat(Files.readString(out.resolve("cells/lora/fewrel/seed-1/" + StepFolders.RECIPE)))
                .contains("downstream layer_plugins [lora {r=4, sites=query,value}]").contains("method budget")
                .contains("learningRate=0.005");
        assertThat(Artifacts.readManifest(out.resolve("cells/lora/fewrel/seed-1/head")).config())
                .containsKey("downstream_model");

        // Reused frozen with nothing added: nothing trains, the cell only evaluates the same model.
        StudyResults.CellResult frozen = cells.get("lora.frozen");
        assertThat(frozen.trainableParameters()).isZero();
        assertThat(frozen.curve()).isEmpty();
        assertThat(frozen.trainSeconds()).isZero();
        assertThat(frozen.totalParameters()).isEqualTo(lora.totalParameters());
        assertThat(frozen.metrics().get("accuracy")).isEqualTo(lora.metrics().get("accuracy"));
        assertThat(headWeights(out, "lora.frozen")).isEqualTo(headWeights(out, "lora"));
        // The general plug-in plugged in with no training.
        assertThat(r.pretrainings()).singleElement().satisfies(p -> assertThat(p.cell().method()).isEqualTo("lora.plugin/map-tuning"));
        StudyResults.CellResult plugged = cells.get("lora.plugin");
        assertThat(plugged.trainableParameters()).isZero();
        assertThat(plugged.curve()).isEmpty();
        assertThat(plugged.totalParameters()).isGreaterThan(lora.totalParameters());
        // Task-specific map-tuning: only the mapper (8 → 32, with a bias) trains; the downstream model stays as saved.
        StudyResults.CellResult mapper = cells.get("lora.mapper");
        assertThat(mapper.trainableParameters()).isEqualTo(8 * 32 + 32);
        assertThat(mapper.curve()).hasSize(2);
        assertThat(headWeights(out, "lora.mapper")).isEqualTo(headWeights(out, "lora"));
        assertThat(out.resolve("cells/lora.mapper/fewrel/seed-1/adapters/map-tuning/adapter_config.json")).exists();

        // Peak memory is recorded in each cell and shown in the tables.
        JsonNode metrics = Io.JSON.readTree(out.resolve("cells/lora/fewrel/seed-1/metrics.json").toFile());
        assertThat(metrics.path("peak_rss_bytes").asLong()).isGreaterThan(10L << 20);
        assertThat(metrics.path("peak_rss_scope").asText()).isIn("cell", "process");
        assertThat(lora.peakRssBytes()).isEqualTo(metrics.path("peak_rss_bytes").asLong());
        StudyResults.Summary loraRow = r.summaries().stream().filter(s -> s.method().equals("lora")).findFirst().orElseThrow();
        assertThat(loraRow.peakRssBytes()).isEqualTo(lora.peakRssBytes());
        assertThat(loraRow.trainSeconds()).isEqualTo(lora.trainSeconds());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).endsWith(",train_seconds,peak_rss_mib,peak_rss_scope");
        assertThat(Files.readAllLines(out.resolve("cells.csv")).get(0)).endsWith(",seconds,train_seconds,peak_rss_mib,peak_rss_scope,error");
        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("| training time | peak RSS |").contains(" MiB |").contains(" s |")
                .contains("lora.frozen: from lora frozen").contains("baseline: head");
        assertThat(Files.readString(out.resolve("report.html"))).contains("<th>peak RSS</th>").contains("<th>training time</th>");
        JsonNode json = Io.JSON.readTree(out.resolve("results.json").toFile());
        assertThat(json.path("summary").get(1).path("peak_rss_bytes").asLong()).isEqualTo(lora.peakRssBytes());

        // Each method reusing a downstream model is also compared with that model (relation 'downstream'): what its
        // plug-in adds to the model it is plugged into. The model reused as it is adds nothing, item for item.
        StudyStatistics st = r.statistics();
        assertThat(st.plan()).filteredOn(p -> p.relation() == StudyStatistics.Relation.DOWNSTREAM)
                .extracting(StudyStatistics.Planned::id)
                .containsExactly("fewrel: lora.frozen vs lora", "fewrel: lora.plugin vs lora", "fewrel: lora.mapper vs lora");
        int same = st.plan().indexOf(new StudyStatistics.Planned("fewrel", "lora.frozen", "lora", StudyStatistics.Relation.DOWNSTREAM));
        assertThat(st.comparisons().get(same).ok()).isTrue();
        assertThat(st.comparisons().get(same).delta()).isZero();
        assertThat(st.comparisons().get(same).p()).isEqualTo(1.0);
        assertThat(md).contains("| lora.frozen vs lora | downstream | ").contains("| Δ vs reused model [95% CI] | Δ vs baseline");
        assertThat(md.lines().filter(l -> l.startsWith("| lora.frozen | ")).findFirst().orElseThrow())
                .matches("\\| lora\\.frozen \\| [^|]+ \\| \\+0\\.00 \\[\\+0\\.00, \\+0\\.00\\] \\| .*");
        assertThat(md.lines().filter(l -> l.startsWith("| lora | ")).findFirst().orElseThrow()).matches("\\| lora \\| [^|]+ \\| — \\| .*");
        assertThat(Files.readString(out.resolve("report.html"))).contains("<th>Δ vs reused model [95% CI]</th>");
        assertThat(Files.readString(out.resolve("comparisons.csv"))).contains("fewrel,lora.plugin,lora,downstream,");

        // A rerun keeps every cell.
        FileIdentity loraMetrics = FileIdentity.of(out.resolve("cells/lora/fewrel/seed-1/metrics.json"));
        StudyResults again = run(tmp, file, out);
        assertThat(again.cells()).allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.REUSED));
        assertThat(FileIdentity.of(out.resolve("cells/lora/fewrel/seed-1/metrics.json"))).isEqualTo(loraMetrics);
        assertThat(byMethod(again).get("lora").peakRssBytes()).isEqualTo(lora.peakRssBytes());

        // Another LoRA rank: the LoRA cell and every cell reusing its model run again; the baseline is kept.
        Path edited = Files.writeString(file, STUDY.replace("r: 4", "r: 2"));
        StudyResults third = run(tmp, edited, out);
        Map<String, StudyResults.CellResult> thirdCells = byMethod(third);
        assertThat(thirdCells.get("baseline").status()).isEqualTo(CellOutcome.Status.REUSED);
        for (String m : List.of("lora", "lora.frozen", "lora.plugin", "lora.mapper")) {
            assertThat(thirdCells.get(m).status()).as(m + ": " + thirdCells.get(m).error()).isEqualTo(CellOutcome.Status.COMPLETED);
        }
        assertThat(thirdCells.get("lora").trainableParameters()).isEqualTo(base.trainableParameters() + 2 * 2 * (32 * 2 + 2 * 32));
        assertThat(headWeights(out, "lora.frozen")).isEqualTo(headWeights(out, "lora"));
    }

    @Test
    void aPlugAndPlayCellWhoseSourceFailedFailsWithItsOwnErrorAndOneOnAProbeIsNotApplicable(@TempDir Path tmp) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("downstream.yaml"), """
                backbone: {name: bert-random}
                data: data
                budgets:
                  default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32}
                tasks: [fewrel, lama]
                methods:
                  - name: broken
                    downstream: {layer_plugins: [{name: bitfit}]}
                    adapters:
                      - {mode: control, adapter: factual, config: {adapter_sise: 16}}
                  - name: broken.frozen
                    downstream: {from: broken}
                  - name: baseline.frozen
                    downstream: {from: baseline}
                  - name: bitfit
                    downstream: {layer_plugins: [bitfit]}
                  - name: bitfit.frozen
                    downstream: {from: bitfit}
                """);
        StudyResults r = run(tmp, file, tmp.resolve("out"));
        Map<String, StudyResults.CellResult> cells = r.cells().stream()
                .collect(Collectors.toMap(c -> c.method() + "/" + c.task(), Function.identity()));
        assertThat(cells.get("broken/fewrel").status()).isEqualTo(CellOutcome.Status.FAILED);
        assertThat(cells.get("broken/fewrel").errorCode()).isEqualTo("config-unknown-key");
        assertThat(cells.get("broken.frozen/fewrel").status()).isEqualTo(CellOutcome.Status.FAILED);
        assertThat(cells.get("broken.frozen/fewrel").errorCode()).isEqualTo("study-downstream-failed");
        assertThat(cells.get("broken.frozen/fewrel").error()).contains("broken/fewrel/seed-42").contains("did not complete");
        assertThat(cells.get("baseline.frozen/fewrel").status()).as(cells.get("baseline.frozen/fewrel").error())
                .isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(cells.get("baseline.frozen/fewrel").metrics()).isEqualTo(cells.get("baseline/fewrel").metrics());
        assertThat(cells.get("baseline.frozen/fewrel").trainableParameters()).isZero();
        // On a probe nothing is trained: in-layer plug-ins and the models reusing them (or the baseline's) are n/a.
        assertThat(cells.get("baseline/lama").status()).isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(cells.get("bitfit.frozen/fewrel").metrics()).isEqualTo(cells.get("bitfit/fewrel").metrics());
        for (String m : List.of("bitfit", "bitfit.frozen", "baseline.frozen")) {
            assertThat(cells.get(m + "/lama").status()).as(m + ": " + cells.get(m + "/lama").error())
                    .isEqualTo(CellOutcome.Status.NOT_APPLICABLE);
        }
        assertThat(cells.get("baseline.frozen/lama").error()).contains("saved none on task 'lama'");
        assertThat(cells.get("bitfit.frozen/lama").error()).contains("method 'bitfit'").contains("not applicable");
        assertThat(cells.get("broken.frozen/lama").errorCode()).isEqualTo("study-downstream-failed");
        // A model reused from the baseline is compared with it once (relation 'baseline'), not twice.
        assertThat(StudyStatistics.plan(r.study())).filteredOn(p -> p.method().equals("baseline.frozen"))
                .extracting(StudyStatistics.Planned::relation).containsExactly(StudyStatistics.Relation.BASELINE,
                        StudyStatistics.Relation.BASELINE);
        assertThat(StudyStatistics.plan(r.study())).filteredOn(p -> p.method().equals("bitfit.frozen"))
                .extracting(StudyStatistics.Planned::reference).containsExactly("baseline", "bitfit", "baseline", "bitfit");
    }

    /** Runs a study whose LoRA entry is replaced, expecting an error before any cell. */
    private static InfuseException failsBeforeAnyCell(Path tmp, String loraEntry) throws Exception {
        StudyProbeAndKnowledgeTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("bad.yaml"),
                STUDY.replace("- {name: lora, config: {r: 4, sites: [query, value]}}", loraEntry));
        Path out = tmp.resolve("out");
        Study study = StudyFile.read(file, null);
        try (Infuse infuse = infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            InfuseException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> StudyRunner.run(infuse, study, out, executor), InfuseException.class);
            assertThat(e).as("no error for " + loraEntry).isNotNull();
            assertThat(out.resolve("cells")).doesNotExist();
            assertThat(out.resolve("knowledge")).doesNotExist();
            assertThat(e.getMessage()).contains("bad.yaml:14:").contains("method 'lora'");
            return e;
        }
    }

    @Test
    void anUnknownInLayerPlugInStopsTheStudyBeforeAnyCell(@TempDir Path tmp) throws Exception {
        InfuseException e = failsBeforeAnyCell(tmp, "- {name: lorra, config: {r: 4}}");
        assertThat(e.code()).isEqualTo("plugin-not-found");
        assertThat(e.getMessage()).contains("'lorra'").contains("did you mean 'lora'");
    }

    @Test
    void anUnknownKeyStopsTheStudyBeforeAnyCell(@TempDir Path tmp) throws Exception {
        InfuseException e = failsBeforeAnyCell(tmp, "- {name: lora, config: {rank: 4}}");
        assertThat(e.code()).isEqualTo("config-unknown-key");
        assertThat(e.getMessage()).contains("'rank'").contains("in-layer plug-in 'lora'");
    }

    @Test
    void aBadSiteStopsTheStudyBeforeAnyCell(@TempDir Path tmp) throws Exception {
        InfuseException e = failsBeforeAnyCell(tmp, "- {name: lora, config: {sites: [query, valeu]}}");
        assertThat(e.code()).isEqualTo("config-bad-site");
        assertThat(e.getMessage()).contains("'valeu'").contains("value");
    }

    @Test
    void aRankTooLargeAndALayerTakenTwiceStopTheStudyBeforeAnyCell(@TempDir Path tmp) throws Exception {
        assertThat(failsBeforeAnyCell(tmp.resolve("a"), "- {name: lora, config: {r: 64}}").code()).isEqualTo("config-bad-value");
        InfuseException twice = failsBeforeAnyCell(tmp.resolve("b"),
                "- {name: lora, config: {layers: [0, 0]}}");
        assertThat(twice.code()).isEqualTo("config-bad-site");
        assertThat(twice.getMessage()).contains("layer 0 query");
    }

    @Test
    void downstreamMistakesAreNamedWithTheirPlace(@TempDir Path tmp) {
        Function<String, InfuseException> parse = text -> org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> StudyFile.parse(tmp.resolve("s.yaml"), text, null), InfuseException.class);
        String head = "backbone: bert-random\ntasks: [wn-relation]\n";
        InfuseException unknown = parse.apply(head + "methods:\n  - name: a\n    downstream: {from: lroa}\n  - name: lora\n");
        assertThat(unknown.code()).isEqualTo("config-unknown-method");
        assertThat(unknown.getMessage()).contains("s.yaml:5:17").contains("did you mean 'lora'");
        InfuseException circle = parse.apply(head + "methods:\n  - name: a\n    downstream: {from: b}\n"
                + "  - name: b\n    downstream: {from: a}\n");
        assertThat(circle.code()).isEqualTo("config-invalid");
        assertThat(circle.getMessage()).contains("a -> b -> a");
        InfuseException both = parse.apply(head + "methods:\n  - name: a\n    downstream: {from: baseline, layer_plugins: [bitfit]}\n");
        assertThat(both.code()).isEqualTo("config-invalid");
        InfuseException top = parse.apply(head + "downstream: {from: baseline}\n");
        assertThat(top.code()).isEqualTo("config-bad-value");
        assertThat(top.getMessage()).contains("s.yaml:3:");
        InfuseException scalar = parse.apply(head + "downstream: lora\n");
        assertThat(scalar.code()).isEqualTo("config-bad-value");
        assertThat(scalar.getMessage()).contains("'head'");
        InfuseException key = parse.apply(head + "downstream: {layer_plugin: [bitfit]}\n");
        assertThat(key.code()).isEqualTo("config-unknown-key");
        assertThat(key.getMessage()).contains("layer_plugins");
        InfuseException budget = parse.apply(head + "methods:\n  - name: a\n    budget: {learning_rate: 1}\n");
        assertThat(budget.code()).isEqualTo("config-unknown-key");

        // The study's downstream model is every method's, the baseline's included, unless a method sets its own.
        Study s = StudyFile.parse(tmp.resolve("s.yaml"), head + "downstream: {layer_plugins: [{name: lora, config: {r: 2}}]}\n"
                + "methods:\n  - name: a\n  - name: b\n    downstream: head\n", null);
        assertThat(s.method("baseline").downstream().layerPlugins()).extracting(Study.LayerPluginEntry::name).containsExactly("lora");
        assertThat(s.method("a").downstream().layerPlugins()).hasSize(1);
        assertThat(s.method("b").downstream().headOnly()).isTrue();
    }

    /** Every study file in examples/studies/ parses, and its in-layer plug-in configurations are valid. */
    @Test
    void everyExampleStudyIsValid(@TempDir Path tmp) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("examples/studies"))) {
            root = root.getParent();
            assertThat(root).as("examples/studies above the working directory").isNotNull();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(root.resolve("examples/studies"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("benchmark.yaml", "in-layer-semeval.yaml",
                "kadapter-published.yaml", "maptuning-plug-and-play.yaml", "knowledge-effect.yaml");
        Files.createDirectories(tmp.resolve("data"));
        // The folders knowledge-effect.yaml's graphs name (checked when the file is read; their files only when a graph trains).
        Files.createDirectories(tmp.resolve("data/kg/codex/triples/codex-m"));
        Files.createDirectories(tmp.resolve("data/lama"));
        try (Infuse infuse = infuse(tmp);
                Backbone tiny = infuse.createBackbone("bert-random", PluginConfig.empty("backbone 'bert-random'"))) {
            for (Path f : files) {
                Study study = StudyFile.read(f, tmp.resolve("data"));
                // The in-layer plug-ins against the tiny BERT's sites (the same names as BERT-base's).
                StudyValidation.checkLayerPlugins(infuse, study, tiny);
                StudyGrid.waves(study, StudyGrid.cells(study, tmp.resolve("out")));
            }
        }
        Study inLayer = StudyFile.read(root.resolve("examples/studies/in-layer-semeval.yaml"), tmp.resolve("data"));
        assertThat(inLayer.methods()).extracting(Study.Method::name).containsExactly("baseline", "lora", "bottleneck-houlsby",
                "bottleneck-pfeiffer", "bitfit", "prefix");
        assertThat(inLayer.seeds()).hasSize(3);
        assertThat(inLayer.method("baseline").downstream().headOnly()).isTrue();
        assertThat(inLayer.method("prefix").budget(inLayer.tasks().get(0)).learningRate()).isEqualTo(5e-3);
        Study kadapter = StudyFile.read(root.resolve("examples/studies/kadapter-published.yaml"), tmp.resolve("data"));
        assertThat(kadapter.methods()).allSatisfy(m -> assertThat(m.downstream().layerPlugins())
                .extracting(Study.LayerPluginEntry::name).containsExactly("lora"));
        assertThat(kadapter.tasks()).extracting(Study.TaskEntry::name).containsExactly("semeval", "open-entity");
        assertThat(kadapter.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "factual-twin",
                "kadapter", "kadapter-control");
        assertThat(kadapter.method("kadapter").pretrainings()).extracting(Study.Pretraining::id)
                .containsExactly("factual/factual", "kadapter/linguistic");
        assertThat(kadapter.method("factual-twin").pretrainings()).singleElement()
                .satisfies(p -> assertThat(p.options()).containsEntry("labels", "shuffled"));
        assertThat(kadapter.method("kadapter-control").adapters()).extracting(Study.AdapterEntry::mode)
                .containsExactly(Study.Mode.CONTROL, Study.Mode.CONTROL);
        Study effect = StudyFile.read(root.resolve("examples/studies/knowledge-effect.yaml"), tmp.resolve("data"));
        assertThat(effect.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "factual-twin",
                "factual-control", "map-tuning", "map-tuning-twin", "map-tuning-cloze", "map-tuning-cloze-twin", "kilm", "kilm-twin");
        assertThat(effect.method("factual-twin").pretrainings()).singleElement()
                .satisfies(p -> assertThat(p.options()).containsEntry("labels", "shuffled"));
        assertThat(effect.method("kilm-twin").pretrainings()).singleElement()
                .satisfies(p -> assertThat(p.options()).containsEntry("probed_descriptions", "without"));
        assertThat(effect.method("map-tuning-twin").pretrainings()).singleElement()
                .satisfies(p -> assertThat(p.config()).containsEntry("embeddings", "kg:ablated"));
        assertThat(effect.knowledgeGraphs()).extracting(g -> g.lama().holdOutProbeFacts()).containsExactly(false, true);
        assertThat(StudyStatistics.plan(effect)).filteredOn(p -> p.relation() == StudyStatistics.Relation.TWIN).hasSize(4 * 4);
        assertThat(effect.tasks().get(0).options()).containsEntry("per_relation", 10);
        assertThat(effect.dataSeed()).isEqualTo(42L);
        Study factual = StudyFile.read(root.resolve("examples/studies/factual-knowledge-effect.yaml"), tmp.resolve("data"));
        assertThat(factual.tasks()).extracting(Study.TaskEntry::name).containsExactly("fewrel-10", "fewrel-50", "semeval",
                "open-entity");
        assertThat(factual.tasks()).extracting(t -> t.options().get("per_relation")).containsExactly(10, 50, null, null);
        assertThat(factual.tasks()).extracting(t -> t.budget().epochs()).containsExactly(30, 20, 20, 20);
        assertThat(factual.method("factual-twin").pretrainings()).singleElement()
                .satisfies(p -> assertThat(p.options()).containsEntry("labels", "shuffled"));
        Study curve = StudyFile.read(root.resolve("examples/studies/factual-learning-curve.yaml"), tmp.resolve("data"));
        assertThat(curve.pretrainings()).extracting(p -> p.budget().maxTrain() * p.budget().epochs())
                .containsOnly(150_000);
        assertThat(curve.pretrainings()).extracting(p -> p.budget().maxLength()).containsOnly(64);
        Study pnp = StudyFile.read(root.resolve("examples/studies/maptuning-plug-and-play.yaml"), tmp.resolve("data"));
        List<List<Cell>> waves = StudyGrid.waves(pnp, StudyGrid.cells(pnp, tmp.resolve("out")));
        assertThat(waves).hasSize(2);
        assertThat(waves.get(0)).extracting(Cell::method).containsOnly("baseline", "lora", "bottleneck", "bitfit");
        assertThat(pnp.method("lora.plugin").downstream().frozen()).isTrue();
        assertThat(pnp.method("lora.plugin").adapters()).singleElement()
                .satisfies(a -> assertThat(a.mode()).isEqualTo(Study.Mode.PRETRAINED));
    }
}
