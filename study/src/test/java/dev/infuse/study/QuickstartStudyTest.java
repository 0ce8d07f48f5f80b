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
 * epoch everywhere): the WordNet knowledge graph, the three pretraining steps, every method on both
 * WordNet tasks, and K-Adapter reported as n/a on the masked-LM probe.
 */
class QuickstartStudyTest {

    @Test
    void theBuiltInStudyParsesWithItsMethodsTasksAndKnowledgeGraph() {
        Study s = StudyFile.builtIn("quickstart", null);
        assertThat(s.backbone().name()).isEqualTo("bert");
        assertThat(s.dataDir()).isNull();
        assertThat(s.tasks()).extracting(Study.TaskEntry::name).containsExactly("wn-hypernym", "wn-relation");
        assertThat(s.tasks()).extracting(Study.TaskEntry::metric).containsExactly("p_at_1", "f1");
        assertThat(s.methods()).extracting(Study.Method::name)
                .containsExactly("baseline", "k-adapter", "k-adapter-control", "map-tuning", "kilm");
        assertThat(s.knowledgeGraphs()).singleElement().satisfies(g -> assertThat(g.source()).isEqualTo("wordnet"));
        assertThat(s.pretrainings()).extracting(Study.Pretraining::task)
                .containsExactly("wn-facts", "wn-mention-mlm", "entity-infill");
    }

    @Test
    void runsEndToEndOnTheTinyBackbone(@TempDir Path tmp) throws Exception {
        String text = StudyFile.builtInText("quickstart")
                .replace("backbone: bert\n", "backbone: {name: bert-random}\n")
                .replaceAll("epochs: \\d+, lr: 0.01", "epochs: 1, lr: 0.01")
                .replace("default: {epochs: 3,", "default: {epochs: 1,")
                .replace("adapter_size: 128, adapter_layers: 1, heads: 4, intermediate_size: 512}",
                        "adapter_size: 16, adapter_layers: 1, heads: 2, intermediate_size: 32}")
                .replace("        pretrain: {task: entity-infill}",
                        "        config: {adapter_size: 16, heads: 2, intermediate_size: 32}\n        pretrain: {task: entity-infill}");
        Study study = StudyFile.parse(tmp.resolve("quickstart.yaml"), text, null);
        Path out = tmp.resolve("out");
        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(out.resolve("knowledge/wordnet/entity_embeddings.safetensors")).exists();
        assertThat(r.pretrainings()).hasSize(3)
                .allSatisfy(p -> assertThat(p.status()).as(p.cell().label() + ": " + p.error()).isEqualTo(CellOutcome.Status.COMPLETED));
        for (String m : List.of("baseline", "k-adapter", "k-adapter-control", "map-tuning", "kilm")) {
            StudyResults.CellResult relation = cell(r, m, "wn-relation");
            assertThat(relation.status()).as(m + ": " + relation.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(relation.metrics()).containsKeys("f1", "accuracy");
        }
        for (String m : List.of("k-adapter", "k-adapter-control")) {
            assertThat(cell(r, m, "wn-hypernym").status()).isEqualTo(CellOutcome.Status.NOT_APPLICABLE);
        }
        for (String m : List.of("baseline", "map-tuning", "kilm")) {
            StudyResults.CellResult probe = cell(r, m, "wn-hypernym");
            assertThat(probe.status()).as(m + ": " + probe.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(probe.metrics()).containsKey("p_at_1");
            assertThat(probe.metrics().get("p_at_1")).isBetween(0.0, 1.0);
            assertThat(probe.trainableParameters()).isZero();
        }
        assertThat(Files.readString(out.resolve("results.md"))).contains("## wn-relation (f1)", "| kilm |", "## Not applicable");
    }

    private static StudyResults.CellResult cell(StudyResults r, String method, String task) {
        return r.cells().stream().filter(c -> c.method().equals(method) && c.task().equals(task)).findFirst().orElseThrow();
    }
}
