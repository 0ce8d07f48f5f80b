package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Infuse;
import dev.infuse.testkit.FileIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge-ablated twins on the tiny random BERT, run once for the class: a factual adapter pretrained
 * on trex-rc beside its shuffled-label twin and its random control, and map-tuning on a graph with
 * every LAMA fact beside its twin on the same graph without the probe facts; then the plan, the report's
 * knowledge effect and a rerun.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudyTwinTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CITIES = {"Paris", "London", "Berlin", "Rome", "Madrid", "Tokyo"};
    private static final String[] COUNTRIES = {"France", "Germany", "Italy", "Spain", "China", "Japan"};

    static final String STUDY = """
            name: twins
            backbone: {name: bert-random}
            data: data
            seeds: [1, 2]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            knowledge_graphs:
              full: {source: kg, add_lama: lama, dimension: 8, epochs: 2, batch_size: 4}
              ablated: {source: kg, add_lama: lama, hold_out_probe_facts: true, dimension: 8, epochs: 2, batch_size: 4}
            tasks:
              - {name: semeval, dev: data/semeval-dev.txt}   # a fixed dev set: every seed scores the same items
              - trex-probe
            methods:
              - name: factual
                adapters:
                  - adapter: factual
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
                    pretrain: {task: trex-rc}
                twin: {pretrain_options: {labels: shuffled}}
              - name: factual-control
                adapters:
                  - {mode: control, from: factual}
              - name: map-tuning
                adapters:
                  - adapter: map-tuning
                    config: {embeddings: "kg:full"}
                    pretrain: {task: trex-mention-mlm}
                twin: {knowledge_graphs: {full: ablated}}
            """;

    Path tmp;
    Path out;
    Study study;
    StudyResults first;

    private static String fact(String relation, String subjectId, String subject, String objectId, String object, String... sentences) {
        StringBuilder ev = new StringBuilder();
        for (String s : sentences) {
            ev.append(ev.length() > 0 ? "," : "").append("{\"sub_surface\":\"").append(subject).append("\",\"obj_surface\":\"")
                    .append(object).append("\",\"masked_sentence\":\"").append(s).append("\"}");
        }
        return "{\"sub_uri\":\"" + subjectId + "\",\"sub_label\":\"" + subject + "\",\"obj_uri\":\"" + objectId + "\",\"obj_label\":\""
                + object + "\",\"predicate_id\":\"" + relation + "\",\"evidences\":[" + ev + "]}\n";
    }

    /** A LAMA folder (P19: 20 people born in cities; P17: 20 places in countries) and a small Wikidata-id graph. */
    static void writeData(Path data) throws Exception {
        StudyRunnerTest.writeData(data);
        Files.writeString(data.resolve("semeval-dev.txt"), StudyRunnerTest.semEval());
        Path trex = Files.createDirectories(data.resolve("lama/TREx"));
        Files.writeString(data.resolve("lama/relations.jsonl"), """
                {"relation":"P19","template":"[X] was born in [Y] .","label":"place of birth","type":"N-1"}
                {"relation":"P17","template":"[X] is located in [Y] .","label":"country","type":"N-1"}
                """);
        StringBuilder p19 = new StringBuilder();
        StringBuilder p17 = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            String person = "Person " + i;
            String city = CITIES[i % CITIES.length];
            p19.append(fact("P19", "Q" + i, person, "Q" + (100 + i % CITIES.length), city, person + " was born in [MASK] .",
                    "In [MASK] , " + person + " grew up ."));
            String place = "Place " + i;
            String country = COUNTRIES[i % COUNTRIES.length];
            p17.append(fact("P17", "Q" + (200 + i), place, "Q" + (300 + i % COUNTRIES.length), country,
                    place + " is a town in [MASK] .", "The town " + place + " lies in [MASK] ."));
        }
        Files.writeString(trex.resolve("P19.jsonl"), p19);
        Files.writeString(trex.resolve("P17.jsonl"), p17);
        Path kg = Files.createDirectories(data.resolve("kg"));
        Files.writeString(kg.resolve("train.tsv"), "Q0\tP27\tQ300\nQ1\tP27\tQ301\nQ100\tP17\tQ300\nQ101\tP17\tQ302\n");
        Files.writeString(kg.resolve("valid.tsv"), "Q0\tP27\tQ300\n");
        Files.writeString(kg.resolve("test.tsv"), "Q1\tP27\tQ301\n");
    }

    Infuse infuse() {
        return Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
    }

    @BeforeAll
    void runStudy(@TempDir Path dir) throws Exception {
        tmp = dir;
        writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("twins.yaml"), STUDY);
        out = tmp.resolve("out");
        study = StudyFile.read(file, null);
        try (Infuse infuse = infuse(); CellExecutor executor = new LocalCellExecutor(1)) {
            first = StudyRunner.run(infuse, study, out, executor);
        }
    }

    @Test
    @Order(1)
    void eachTwinIsASiblingMethodWithItsOwnPretraining() {
        assertThat(study.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "factual-twin",
                "factual-control", "map-tuning", "map-tuning-twin");
        assertThat(study.method("factual-twin").twinOf()).isEqualTo("factual");
        assertThat(study.twin("factual").name()).isEqualTo("factual-twin");
        assertThat(study.twin("factual-control")).isNull();
        // Same seeds, budgets, fusion and shapes; the pretraining differs only by the task option.
        Study.Pretraining p = study.method("factual").pretrainings().get(0);
        Study.Pretraining q = study.method("factual-twin").pretrainings().get(0);
        assertThat(p.id()).isEqualTo("factual/factual");
        assertThat(q.id()).isEqualTo("factual-twin/factual");
        assertThat(p.options()).isEmpty();
        assertThat(q.options()).containsExactly(java.util.Map.entry("labels", "shuffled"));
        assertThat(q.config()).isEqualTo(p.config());
        assertThat(q.budget()).isEqualTo(p.budget());
        assertThat(q.seed()).isEqualTo(p.seed());
        assertThat(study.method("factual-twin").fusion()).isEqualTo(study.method("factual").fusion());
        // The graph swap reaches the twin's pretraining and adapter configuration.
        Study.Pretraining mt = study.method("map-tuning-twin").pretrainings().get(0);
        assertThat(mt.id()).isEqualTo("map-tuning-twin/map-tuning");
        assertThat(mt.config()).containsEntry("embeddings", "kg:ablated");
        assertThat(study.method("map-tuning").pretrainings().get(0).config()).containsEntry("embeddings", "kg:full");
        assertThat(study.method("map-tuning-twin").adapters().get(0).config()).containsEntry("embeddings", "kg:ablated");
        // A twin is no control: the control stays factual's only.
        assertThat(StudyStatistics.controls(study, study.method("factual"))).containsExactly("factual-control");
    }

    @Test
    @Order(2)
    void theTwinsPretrainingRanWithTheOverriddenOptions() throws Exception {
        assertThat(first.pretrainings()).extracting(o -> o.cell().method()).containsExactlyInAnyOrder("factual/factual",
                "factual-twin/factual", "map-tuning/map-tuning", "map-tuning-twin/map-tuning");
        assertThat(first.pretrainings()).allSatisfy(o -> assertThat(o.status()).as(o.error())
                .isEqualTo(CellOutcome.Status.COMPLETED));
        JsonNode twin = JSON.readTree(out.resolve("pretraining/factual-twin/factual/metrics.json").toFile());
        assertThat(twin.path("task_options").path("labels").asText()).isEqualTo("shuffled");
        JsonNode method = JSON.readTree(out.resolve("pretraining/factual/factual/metrics.json").toFile());
        assertThat(method.has("task_options")).isFalse();
        assertThat(Files.readString(out.resolve("pretraining/factual-twin/factual/" + StepFolders.RECIPE)))
                .contains("options={labels=shuffled}");
        assertThat(Files.readString(out.resolve("pretraining/factual/factual/" + StepFolders.RECIPE))).doesNotContain("options=");
        assertThat(out.resolve("pretraining/factual-twin/factual/adapters/factual/adapter.safetensors")).exists();
        assertThat(Files.readString(out.resolve("pretraining/map-tuning-twin/map-tuning/" + StepFolders.RECIPE)))
                .contains("embeddings=kg:ablated");
    }

    @Test
    @Order(3)
    void theAblatedGraphLacksExactlyTheProbeFactsOverTheSameEntities() throws Exception {
        JsonNode full = JSON.readTree(out.resolve("knowledge/full/metrics.json").toFile());
        JsonNode ablated = JSON.readTree(out.resolve("knowledge/ablated/metrics.json").toFile());
        int probe = dev.infuse.kg.LamaGraphs.probeTriples(tmp.resolve("data/lama"), dev.infuse.tasks.TrexTasks.DEFAULT_PROBE_FRACTION,
                dev.infuse.tasks.TrexTasks.DEFAULT_SPLIT_SEED).size();
        assertThat(probe).isPositive();
        assertThat(full.path("lama").path("facts_added").asInt()).isEqualTo(40);
        assertThat(full.path("lama").path("probe_facts_held_out").asInt()).isZero();
        assertThat(ablated.path("lama").path("facts_added").asInt()).isEqualTo(40 - probe);
        assertThat(ablated.path("lama").path("probe_facts_held_out").asInt()).isEqualTo(probe);
        assertThat(Files.readAllLines(out.resolve("knowledge/ablated/lama-entities.txt")))
                .isEqualTo(Files.readAllLines(out.resolve("knowledge/full/lama-entities.txt")));
        assertThat(Files.size(out.resolve("knowledge/ablated/" + KnowledgeGraphs.EMBEDDINGS)))
                .isEqualTo(Files.size(out.resolve("knowledge/full/" + KnowledgeGraphs.EMBEDDINGS)));
    }

    @Test
    @Order(4)
    void thePlanPairsEachMethodWithItsTwinAndTheReportLeadsWithTheKnowledgeEffect() throws Exception {
        List<StudyStatistics.Planned> plan = StudyStatistics.plan(study);
        assertThat(plan).contains(new StudyStatistics.Planned("semeval", "factual", "factual-twin", StudyStatistics.Relation.TWIN),
                new StudyStatistics.Planned("trex-probe", "map-tuning", "map-tuning-twin", StudyStatistics.Relation.TWIN),
                new StudyStatistics.Planned("semeval", "factual-twin", "baseline", StudyStatistics.Relation.BASELINE));
        // A twin is compared with the baseline only; the method with the baseline, its twin and its control.
        assertThat(plan).filteredOn(p -> p.method().equals("factual-twin")).extracting(StudyStatistics.Planned::relation)
                .containsOnly(StudyStatistics.Relation.BASELINE);
        assertThat(plan).filteredOn(p -> p.method().equals("factual") && p.task().equals("semeval"))
                .extracting(StudyStatistics.Planned::reference).containsExactly("baseline", "factual-twin", "factual-control");

        assertThat(first.cells()).hasSize(6 * 2 * 2);
        assertThat(first.failedCells()).as(String.valueOf(first.failedCells())).isEmpty();
        dev.infuse.stats.Comparison semeval = first.statistics().knowledgeEffect("semeval", "factual");
        assertThat(semeval).isNotNull();
        assertThat(semeval.ok()).as(semeval.error()).isTrue();
        assertThat(semeval.low()).isLessThanOrEqualTo(semeval.delta());
        assertThat(semeval.high()).isGreaterThanOrEqualTo(semeval.delta());
        dev.infuse.stats.Comparison probe = first.statistics().knowledgeEffect("trex-probe", "map-tuning");
        assertThat(probe).isNotNull();
        assertThat(probe.ok()).as(probe.error()).isTrue();
        // factual is n/a on the probe (concat): no effect there.
        dev.infuse.stats.Comparison na = first.statistics().knowledgeEffect("trex-probe", "factual");
        assertThat(na).isNull();

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("## Knowledge effects").contains("| semeval | factual | factual-twin |")
                .contains("| trex-probe | map-tuning | map-tuning-twin |").contains("knowledge effect vs twin [95% CI]")
                .contains("| factual-twin | ").contains("twin of factual");
        assertThat(md.indexOf("## Knowledge effects")).isLessThan(md.indexOf("## semeval"));
        assertThat(md).contains(ResultsMarkdown.deltaText(semeval));
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("id=\"knowledge-effects\"").contains(ResultsMarkdown.deltaText(semeval));
        JsonNode json = JSON.readTree(out.resolve("results.json").toFile());
        JsonNode effects = json.path("knowledge_effects");
        assertThat(effects.isArray()).isTrue();
        JsonNode row = null;
        for (JsonNode e : effects) {
            if (e.path("task").asText().equals("semeval") && e.path("method").asText().equals("factual")) {
                row = e;
            }
        }
        assertThat(row).isNotNull();
        assertThat(row.path("twin").asText()).isEqualTo("factual-twin");
        assertThat(row.path("delta").asDouble()).isEqualTo(semeval.delta());
        assertThat(row.path("p_holm").asDouble()).isEqualTo(semeval.pHolm());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).endsWith(",twin,knowledge_effect,knowledge_effect_low,knowledge_effect_high,knowledge_effect_p,"
                + "knowledge_effect_p_holm,knowledge_effect_significant");
        assertThat(csv).anySatisfy(l -> assertThat(l).startsWith("semeval,factual,").contains(",factual-twin,"
                + String.format(java.util.Locale.ROOT, "%.6f", semeval.delta()) + ","));
        assertThat(Files.readString(out.resolve("comparisons.csv"))).contains("semeval,factual,factual-twin,twin,");
    }

    @Test
    @Order(5)
    void aRerunRunsNothingAgain() throws Exception {
        FileIdentity cell = FileIdentity.of(out.resolve("cells/factual-twin/semeval/seed-1/metrics.json"));
        FileIdentity graph = FileIdentity.of(out.resolve("knowledge/ablated/" + KnowledgeGraphs.EMBEDDINGS));
        try (Infuse infuse = infuse(); CellExecutor executor = new LocalCellExecutor(1)) {
            StudyResults again = StudyRunner.run(infuse, StudyFile.read(tmp.resolve("twins.yaml"), null), out, executor);
            assertThat(again.cells()).allSatisfy(c -> assertThat(c.status()).isIn(CellOutcome.Status.REUSED,
                    CellOutcome.Status.NOT_APPLICABLE));
            assertThat(again.pretrainings()).isEmpty();
            assertThat(again.statistics().knowledgeEffect("semeval", "factual").delta())
                    .isEqualTo(first.statistics().knowledgeEffect("semeval", "factual").delta());
        }
        assertThat(FileIdentity.of(out.resolve("cells/factual-twin/semeval/seed-1/metrics.json"))).isEqualTo(cell);
        assertThat(FileIdentity.of(out.resolve("knowledge/ablated/" + KnowledgeGraphs.EMBEDDINGS))).isEqualTo(graph);
    }
}
