package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Infuse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in quickstart study, end to end on the tiny random BERT instead of BERT-base (and one
 * epoch everywhere): the two WordNet knowledge graphs (with and without the probe's facts), the six
 * pretraining steps (each method's and its knowledge-ablated twin's), every method and twin on both
 * WordNet tasks, K-Adapter reported as n/a on the masked-LM probe, and the knowledge effects in the report.
 */
class QuickstartStudyTest {

    @Test
    void theBuiltInStudyParsesWithItsMethodsTasksAndKnowledgeGraph() {
        Study s = StudyFile.builtIn("quickstart", null);
        assertThat(s.backbone().name()).isEqualTo("bert");
        assertThat(s.dataDir()).isNull();
        assertThat(s.tasks()).extracting(Study.TaskEntry::name).containsExactly("wn-hypernym", "wn-relation");
        assertThat(s.tasks()).extracting(Study.TaskEntry::metric).containsExactly("p_at_1", "f1");
        assertThat(s.methods()).extracting(Study.Method::name).containsExactly("baseline", "k-adapter", "k-adapter-twin",
                "k-adapter-control", "map-tuning", "map-tuning-twin", "kilm", "kilm-twin");
        // Each knowledge method beside its twin: the two graphs differ only by the probe's facts.
        assertThat(s.knowledgeGraphs()).extracting(Study.KnowledgeGraphStep::name).containsExactly("wordnet-full", "wordnet");
        assertThat(s.knowledgeGraphs()).extracting(Study.KnowledgeGraphStep::keepProbeFacts).containsExactly(true, false);
        assertThat(s.knowledgeGraphs()).allSatisfy(g -> assertThat(g.source()).isEqualTo("wordnet"));
        assertThat(s.pretrainings()).extracting(Study.Pretraining::task)
                .containsExactly("wn-facts", "wn-facts", "wn-cloze", "wn-cloze", "entity-infill", "entity-infill");
        assertThat(s.pretrainings()).extracting(Study.Pretraining::options).containsExactly(java.util.Map.of(),
                java.util.Map.of("labels", "shuffled"), java.util.Map.of(), java.util.Map.of(),
                java.util.Map.of("probed_descriptions", "with"), java.util.Map.of("probed_descriptions", "without"));
    }

    @Test
    void runsEndToEndOnTheTinyBackbone(@TempDir Path tmp) throws Exception {
        String text = StudyFile.builtInText("quickstart")
                .replace("backbone: bert\n", "backbone: {name: bert-random}\n")
                .replaceAll("epochs: \\d+, lr: 0.01", "epochs: 1, lr: 0.01")
                .replace("default: {epochs: 3,", "default: {epochs: 1,")
                .replace("adapter_size: 128, adapter_layers: 1, heads: 4, intermediate_size: 512}",
                        "adapter_size: 16, adapter_layers: 1, heads: 2, intermediate_size: 32}")
                .replace("        pretrain: {task: entity-infill,",
                        "        config: {adapter_size: 16, heads: 2, intermediate_size: 32}\n        pretrain: {task: entity-infill,");
        Study study = StudyFile.parse(tmp.resolve("quickstart.yaml"), text, null);
        Path out = tmp.resolve("out");
        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(out.resolve("knowledge/wordnet/entity_embeddings.safetensors")).exists();
        assertThat(out.resolve("knowledge/wordnet-full/entity_embeddings.safetensors")).exists();
        assertThat(r.pretrainings()).hasSize(6)
                .allSatisfy(p -> assertThat(p.status()).as(p.cell().label() + ": " + p.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        List<String> methods = List.of("baseline", "k-adapter", "k-adapter-twin", "k-adapter-control", "map-tuning",
                "map-tuning-twin", "kilm", "kilm-twin");
        for (String m : methods) {
            StudyResults.CellResult relation = cell(r, m, "wn-relation");
            assertThat(relation.status()).as(m + ": " + relation.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(relation.metrics()).containsKeys("f1", "accuracy");
        }
        for (String m : List.of("k-adapter", "k-adapter-twin", "k-adapter-control")) {
            assertThat(cell(r, m, "wn-hypernym").status()).isEqualTo(CellOutcome.Status.NOT_APPLICABLE);
        }
        for (String m : List.of("baseline", "map-tuning", "map-tuning-twin", "kilm", "kilm-twin")) {
            StudyResults.CellResult probe = cell(r, m, "wn-hypernym");
            assertThat(probe.status()).as(m + ": " + probe.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(probe.metrics()).containsKey("p_at_1");
            assertThat(probe.metrics().get("p_at_1")).isBetween(0.0, 1.0);
            assertThat(probe.trainableParameters()).isZero();
        }
        String results = Files.readString(out.resolve("results.md"));
        assertThat(results).contains("## wn-relation (f1)", "| kilm |", "## Not applicable");
        // The knowledge effects lead the report: each method against its twin.
        assertThat(results.indexOf("nowledge effect")).isBetween(0, results.indexOf("## wn-relation (f1)"));
        assertThat(results).contains("map-tuning-twin", "kilm-twin", "k-adapter-twin");
    }

    private static StudyResults.CellResult cell(StudyResults r, String method, String task) {
        return r.cells().stream().filter(c -> c.method().equals(method) && c.task().equals(task)).findFirst().orElseThrow();
    }
}
