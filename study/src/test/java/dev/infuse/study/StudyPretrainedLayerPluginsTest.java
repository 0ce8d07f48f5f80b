package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Artifacts;
import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain: {layer_plugins: ...}}: in-layer plug-ins trained together with a knowledge plug-in (a LoRA beside
 * KILM-style infilling), saved with the pretraining and loaded frozen by the probe cells, its twin likewise — on the
 * tiny random BERT, run once for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudyPretrainedLayerPluginsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String STUDY = """
            name: kilm-lora
            backbone: {name: bert-random}
            data: data
            seeds: [1]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-2, max_length: 32, head_dropout: 0}
              entity-infill: {max_train: 40}
            tasks:
              - wn-hypernym
              - {name: semeval, dev: data/semeval-dev.txt}
            methods:
              - name: kilm-lora
                fusion: add
                adapters:
                  - adapter: kilm
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32}
                    pretrain:
                      task: entity-infill
                      seed: each
                      options: {probed_descriptions: with}
                      layer_plugins: [{name: lora, config: {r: 2, sites: [query, value]}}]
                twin: {pretrain_options: {probed_descriptions: without}}
            """;

    Path tmp;
    Path out;
    Study study;
    StudyResults results;

    @BeforeAll
    void runStudy(@TempDir Path dir) throws Exception {
        tmp = dir;
        out = tmp.resolve("out");
        study = StudyRuns.read(tmp, "kilm-lora.yaml", STUDY);
        results = StudyRuns.run(tmp, study, out);
    }

    @Test
    void thePretrainingAndItsTwinTrainTheLoraWithThePlugInAndSaveIt() throws Exception {
        for (String method : new String[] {"kilm-lora", "kilm-lora-twin"}) {
            Study.Pretraining p = study.method(method).inLayerPretraining().forSeed(1);
            assertThat(p.layerPlugins()).extracting(Study.LayerPluginEntry::name).containsExactly("lora");
            Path step = out.resolve("pretraining/" + method + "/kilm/seed-1");
            assertThat(Artifacts.read(step.resolve("head")).weights().keySet()).as(method)
                    .contains("layer.lora/layer_0/query/lora_b", "layer.lora/layer_1/value/lora_a")
                    .noneMatch(k -> k.contains("/key/"));
            assertThat(Files.readString(step.resolve("recipe.txt"))).contains("layer_plugins=[lora {r=2, sites=query,value}]");
        }
        assertThat(study.method("kilm-lora-twin").inLayerPretraining().options()).containsEntry("probed_descriptions", "without");
        assertThat(results.pretrainings()).hasSize(2).allMatch(o -> o.status() == CellOutcome.Status.COMPLETED);
    }

    @Test
    void probeCellsLoadThePlugInAndItsLoraFrozen() throws Exception {
        JsonNode base = metrics("baseline", "wn-hypernym");
        for (String method : new String[] {"kilm-lora", "kilm-lora-twin"}) {
            JsonNode cell = metrics(method, "wn-hypernym");
            assertThat(cell.get("trainable_parameters").asLong()).isZero();
            Path step = out.resolve("pretraining/" + method + "/kilm/seed-1");
            long plugIn = parameters(step.resolve("adapters/kilm"));
            long lora = parameters(step.resolve("head"));
            assertThat(lora).as("r 2 on query and value of 2 layers of width 32").isEqualTo(2L * 2 * 2 * (32 + 32));
            assertThat(cell.get("total_parameters").asLong() - base.get("total_parameters").asLong()).isEqualTo(plugIn + lora);
            assertThat(Files.readString(out.resolve("cells/" + method + "/wn-hypernym/seed-1/recipe.txt")))
                    .contains("layer_plugins=[lora");
        }
    }

    @Test
    void theReportNamesTheFrozenDownstreamModel() throws Exception {
        assertThat(Files.readString(out.resolve("results.md")))
                .contains("kilm-lora: frozen layer_plugins [lora {r=2, sites=query,value}] pretrained with kilm")
                .contains("baseline: head");
    }

    @Test
    void tasksWithAHeadOfTheirOwnAreNotApplicable() throws Exception {
        assertThat(metrics("kilm-lora", "semeval").get("not_applicable").asText()).contains("only probe tasks load them")
                .contains("kilm-lora/kilm/seed-1");
        assertThat(metrics("baseline", "semeval").has("not_applicable")).isFalse();
    }

    @Test
    void badUsesFailBeforeAnyCellWithTheirPlace() throws Exception {
        String withDownstream = STUDY.replace("    fusion: add\n", "    fusion: add\n    downstream: {layer_plugins: [bitfit]}\n");
        assertThat(withDownstream).isNotEqualTo(STUDY);
        assertThatThrownBy(() -> StudyFile.read(Files.writeString(tmp.resolve("bad1.yaml"), withDownstream), null))
                .isInstanceOf(InfuseException.class).hasMessageContaining("bad1.yaml:")
                .hasMessageContaining("downstream: head").extracting(e -> ((InfuseException) e).code()).isEqualTo("config-invalid");
        Study unknown = StudyFile.read(Files.writeString(tmp.resolve("bad2.yaml"), STUDY.replace("name: lora", "name: lorra")), null);
        Study badSite = StudyFile.read(Files.writeString(tmp.resolve("bad3.yaml"), STUDY.replace("[query, value]", "[query, gate]")), null);
        try (Infuse infuse = StudyRuns.infuse(tmp); Backbone tiny = infuse.createBackbone("bert-random", PluginConfig.empty("backbone"))) {
            assertThatThrownBy(() -> StudyRunner.validate(infuse, unknown, tiny)).isInstanceOf(InfuseException.class)
                    .hasMessageContaining("bad2.yaml:").hasMessageContaining("pretraining 'kilm-lora/kilm'")
                    .hasMessageContaining("did you mean 'lora'");
            assertThatThrownBy(() -> StudyRunner.validate(infuse, badSite, tiny)).isInstanceOf(InfuseException.class)
                    .hasMessageContaining("bad3.yaml:").hasMessageContaining("pretraining 'kilm-lora/kilm'")
                    .hasMessageContaining("gate");
        }
    }

    private JsonNode metrics(String method, String task) throws Exception {
        return JSON.readTree(out.resolve("cells/" + method + "/" + task + "/seed-1/metrics.json").toFile());
    }

    private static long parameters(Path artifact) {
        return Artifacts.read(artifact).weights().values().stream().mapToLong(t -> t.floats().length).sum();
    }
}
