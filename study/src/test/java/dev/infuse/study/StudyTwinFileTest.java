package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task options in study files (task entries, pretrainings, a twin's cells) and the mistakes a twin can
 * hold, each one error at its line before any cell runs.
 */
class StudyTwinFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Study parse(String text) {
        return StudyFile.parse(tmp.resolve("study.yaml"), text, null);
    }

    private InfuseException error(String text) {
        try {
            parse(text);
        } catch (InfuseException e) {
            return e;
        }
        throw new AssertionError("no error for:\n" + text);
    }

    private static final String HEAD = """
            backbone: {name: bert-random}
            data: data
            seeds: [1]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            knowledge_graphs:
              full: {source: kg, add_lama: lama, dimension: 8, epochs: 1}
              ablated: {source: kg, add_lama: lama, hold_out_probe_facts: true, dimension: 8, epochs: 1}
            """;

    private static final String FACTUAL = """
              - name: factual
                adapters:
                  - adapter: factual
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
                    pretrain: {task: trex-rc}
            """;

    @Test
    void taskOptionsBelongToTheRecipesOnlyWhenSet() throws Exception {
        StudyTwinTest.writeData(tmp.resolve("data"));
        Study plain = parse(HEAD + "tasks: [trex-rc]\nmethods:\n" + FACTUAL);
        Study set = parse(HEAD + "tasks:\n  - {name: trex-rc, options: {labels: shuffled, split_seed: 7}}\nmethods:\n"
                + FACTUAL.replace("pretrain: {task: trex-rc}", "pretrain: {task: trex-rc, options: {labels: shuffled}}"));
        assertThat(plain.tasks().get(0).options()).isEmpty();
        assertThat(set.tasks().get(0).options()).containsEntry("labels", "shuffled").containsEntry("split_seed", 7);
        assertThat(set.pretrainings().get(0).options()).containsEntry("labels", "shuffled");
        Cell cell = new Cell(Cell.Stage.EVALUATION, "baseline", "trex-rc", 1, StudyGrid.cellFolder(tmp, "baseline", "trex-rc", 1));
        Cell pre = new Cell(Cell.Stage.PRETRAINING, "factual/factual", "trex-rc", 42, tmp.resolve("pretraining/factual/factual"));
        // Without options, recipes are as before (no 'options' anywhere), so finished cells of earlier studies are kept.
        assertThat(Recipes.recipe(plain, cell)).doesNotContain("options");
        assertThat(Recipes.recipe(plain, pre)).doesNotContain("options");
        assertThat(Recipes.recipe(set, cell)).contains("options={labels=shuffled, split_seed=7}");
        assertThat(Recipes.recipe(set, pre)).contains("options={labels=shuffled}");
    }

    @Test
    void twinsOfMethodsSharingAPretrainedAdapterShareTheirAblatedPretraining() throws Exception {
        StudyTwinTest.writeData(tmp.resolve("data"));
        Study s = parse(HEAD + "tasks: [trex-rc]\nmethods:\n" + FACTUAL + """
                    twin: {pretrain_options: {labels: shuffled}}
                  - name: factual-residual
                    fusion: add
                    adapters: [{from: factual}]
                    twin: {pretrain_options: {labels: shuffled}}
                  - name: factual-other-seed
                    fusion: add
                    adapters: [{from: factual}]
                    twin: {pretrain_options: {labels: shuffled, split_seed: 9}}
                """);
        assertThat(s.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "factual-twin",
                "factual-residual", "factual-residual-twin", "factual-other-seed", "factual-other-seed-twin");
        // The second twin's pretraining is the same work as the first's: one step, run once, for both.
        assertThat(s.method("factual-residual-twin").pretrainings(1)).extracting(Study.Pretraining::id)
                .containsExactly("factual-twin/factual");
        assertThat(s.method("factual-residual").pretrainings(1)).extracting(Study.Pretraining::id).containsExactly("factual/factual");
        // Other options are other work: its own step.
        assertThat(s.method("factual-other-seed-twin").pretrainings(1)).extracting(Study.Pretraining::id)
                .containsExactly("factual-other-seed-twin/factual");
        assertThat(s.pretrainings()).extracting(Study.Pretraining::id)
                .containsExactly("factual/factual", "factual-twin/factual", "factual-other-seed-twin/factual");
    }

    @Test
    void aTwinsTaskOptionsReachItsCellsOnly() throws Exception {
        StudyTwinTest.writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("study.yaml"), HEAD.replace("seeds: [1]", "seeds: [3]") + """
                tasks: [trex-rc]
                methods:
                  - name: tuned
                    adapters:
                      - adapter: factual
                        mode: train
                        config: {adapter_size: 8, heads: 2, intermediate_size: 16, adapter_layers: 1}
                    twin: {task_options: {trex-rc: {labels: shuffled}}}
                """);
        Study study = StudyFile.read(file, null);
        assertThat(study.methods()).extracting(Study.Method::name).containsExactly("baseline", "tuned", "tuned-twin");
        assertThat(study.method("tuned-twin").taskOptions(study.tasks().get(0))).containsEntry("labels", "shuffled");
        assertThat(study.method("tuned-twin").adapters()).isEqualTo(study.method("tuned").adapters());
        Path out = tmp.resolve("out");
        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(r.failedCells()).as(String.valueOf(r.failedCells())).isEmpty();
        JsonNode twin = JSON.readTree(out.resolve("cells/tuned-twin/trex-rc/seed-3/metrics.json").toFile());
        assertThat(twin.path("task_options").path("labels").asText()).isEqualTo("shuffled");
        JsonNode method = JSON.readTree(out.resolve("cells/tuned/trex-rc/seed-3/metrics.json").toFile());
        assertThat(method.has("task_options")).isFalse();
        assertThat(Files.readString(out.resolve("cells/tuned-twin/trex-rc/seed-3/" + StepFolders.RECIPE)))
                .contains("method task_options {labels=shuffled}");
        assertThat(r.statistics().plan()).contains(new StudyStatistics.Planned("trex-rc", "tuned", "tuned-twin",
                StudyStatistics.Relation.TWIN));
        assertThat(r.statistics().knowledgeEffect("trex-rc", "tuned")).isNotNull();
    }

    @Test
    void badTwinsAndOptionsFailBeforeAnyCellWithTheirPlace() throws Exception {
        StudyTwinTest.writeData(tmp.resolve("data"));
        String tasks = "tasks: [semeval]\nmethods:\n";
        // A twin that changes nothing.
        InfuseException nothing = error(HEAD + tasks + FACTUAL + "    twin: {}\n");
        assertThat(nothing.code()).isEqualTo("config-invalid");
        assertThat(nothing.getMessage()).contains("study.yaml:").contains("twin of method 'factual'").contains("changes nothing");
        InfuseException same = error(HEAD + tasks + FACTUAL.replace("pretrain: {task: trex-rc}",
                "pretrain: {task: trex-rc, options: {labels: shuffled}}") + "    twin: {pretrain_options: {labels: shuffled}}\n");
        assertThat(same.getMessage()).contains("changes nothing");
        // pretrain_options without a pretraining.
        InfuseException noPretraining = error(HEAD + tasks + """
                  - name: tuned
                    adapters:
                      - {adapter: factual, mode: train}
                    twin: {pretrain_options: {labels: shuffled}}
                """);
        assertThat(noPretraining.code()).isEqualTo("config-invalid");
        assertThat(noPretraining.getMessage()).contains("has none");
        // An unknown graph, with the closest one.
        String mapTuning = """
                  - name: map-tuning
                    adapters:
                      - adapter: map-tuning
                        config: {embeddings: "kg:full"}
                        pretrain: {task: trex-mention-mlm}
                """;
        InfuseException graph = error(HEAD + tasks + mapTuning + "    twin: {knowledge_graphs: {full: ablatd}}\n");
        assertThat(graph.code()).isEqualTo("config-unknown-key");
        assertThat(graph.getMessage()).contains("study.yaml:").contains("'ablatd'").contains("did you mean 'ablated'");
        // A graph the method does not use.
        InfuseException unused = error(HEAD + tasks + mapTuning + "    twin: {knowledge_graphs: {ablated: full}}\n");
        assertThat(unused.getMessage()).contains("does not use 'kg:ablated'");
        // An unknown option is the task's own error, at the options' line.
        InfuseException option = error(HEAD + tasks + FACTUAL + "    twin: {pretrain_options: {lables: shuffled}}\n");
        assertThat(option.code()).isEqualTo("config-unknown-key");
        assertThat(option.getMessage()).contains("study.yaml:").contains("lables").contains("labels");
        InfuseException taskOption = error(HEAD + "tasks:\n  - {name: trex-rc, options: {lables: shuffled}}\nmethods:\n" + FACTUAL);
        assertThat(taskOption.code()).isEqualTo("config-unknown-key");
        assertThat(taskOption.getMessage()).contains("study.yaml:").contains("lables");
        // A twin's task options name a task of the study.
        InfuseException task = error(HEAD + tasks + FACTUAL + "    twin: {task_options: {semevl: {markers: authors}}}\n");
        assertThat(task.code()).isEqualTo("config-unknown-task");
        assertThat(task.getMessage()).contains("did you mean 'semeval'");
        // The twin's name is taken.
        InfuseException taken = error(HEAD + tasks + FACTUAL + "    twin: {pretrain_options: {labels: shuffled}}\n"
                + FACTUAL.replace("name: factual", "name: factual-twin"));
        assertThat(taken.getMessage()).contains("'factual-twin'").contains("already");
        // An unknown key of a twin.
        InfuseException key = error(HEAD + tasks + FACTUAL + "    twin: {pretrain_option: {labels: shuffled}}\n");
        assertThat(key.getMessage()).contains("pretrain_option").contains("pretrain_options");
        // LAMA keys without add_lama, and add_lama on WordNet.
        InfuseException holdOut = error(HEAD.replace("add_lama: lama, hold_out_probe_facts: true", "hold_out_probe_facts: true")
                + tasks + FACTUAL);
        assertThat(holdOut.getMessage()).contains("'hold_out_probe_facts' goes with 'add_lama'");
        InfuseException wordnet = error(HEAD.replace("full: {source: kg,", "full: {source: wordnet,") + tasks + FACTUAL);
        assertThat(wordnet.getMessage()).contains("add_lama").contains("WordNet");
    }

    @Test
    void wordNetGraphsKeepTheProbeFactsOnRequestWithTheSameEntities() throws Exception {
        String head = """
                backbone: {name: bert-random}
                seeds: [1]
                knowledge_graphs:
                  wordnet-full: {source: wordnet, keep_probe_facts: true, dimension: 8, epochs: 1}
                  wordnet: {source: wordnet, dimension: 8, epochs: 1}
                tasks: [wn-hypernym]
                methods:
                  - name: map-tuning
                    adapters:
                      - adapter: map-tuning
                        config: {embeddings: "kg:wordnet-full"}
                        pretrain: {task: wn-cloze}
                    twin: {knowledge_graphs: {wordnet-full: wordnet}}
                """;
        Study study = parse(head);
        Study.KnowledgeGraphStep full = study.knowledgeGraphs().get(0);
        Study.KnowledgeGraphStep ablated = study.knowledgeGraphs().get(1);
        assertThat(full.keepProbeFacts()).isTrue();
        assertThat(ablated.keepProbeFacts()).isFalse();
        // Recipes of graphs without the key are as before.
        assertThat(full.toString()).contains("probe_facts=kept");
        assertThat(ablated.toString()).doesNotContain("probe_facts");
        assertThat(study.methods()).extracting(Study.Method::name).contains("map-tuning", "map-tuning-twin");
        // The two graphs index the same entities in the same order; only the probe facts differ.
        dev.infuse.kg.KnowledgeGraph withFacts = KnowledgeGraphs.wordNet(true);
        dev.infuse.kg.KnowledgeGraph without = KnowledgeGraphs.wordNet(false);
        assertThat(withFacts.entities().ids()).isEqualTo(without.entities().ids());
        assertThat(withFacts.train().size()).isGreaterThan(without.train().size());
        // The key belongs to the WordNet source only.
        StudyTwinTest.writeData(tmp.resolve("data"));
        InfuseException other = error(HEAD.replace("full: {source: kg, add_lama: lama,", "full: {source: kg, add_lama: lama, "
                + "keep_probe_facts: true,") + "tasks: [trex-rc]\nmethods:\n" + FACTUAL);
        assertThat(other.code()).isEqualTo("config-invalid");
        assertThat(other.getMessage()).contains("keep_probe_facts").contains("source: wordnet");
    }
}
