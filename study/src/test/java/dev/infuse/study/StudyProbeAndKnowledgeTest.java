package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A probe task and a knowledge-graph step in a study on the tiny random BERT: TransE embeddings are
 * trained once and handed to map-tuning as {@code kg:<name>}; a concat-fused side adapter cannot
 * answer through the frozen masked-LM head and is reported as n/a, not as a failure.
 */
class StudyProbeAndKnowledgeTest {

    static final String STUDY = """
            name: probe
            backbone: {name: bert-random}
            data: data
            seeds: [1]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            knowledge_graphs:
              tiny: {source: kg, dimension: 8, epochs: 2, batch_size: 4}
            tasks: [lama]
            methods:
              - name: factual
                adapters:
                  - adapter: factual
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
                    pretrain: {task: fewrel}
              - name: map-tuning
                adapters:
                  - adapter: map-tuning
                    config: {embeddings: "kg:tiny"}
                    pretrain: {task: mention-mlm}
            """;

    static void writeData(Path data) throws Exception {
        StudyRunnerTest.writeData(data);
        Path lama = Files.createDirectories(data.resolve("lama"));
        Files.writeString(lama.resolve("relations.jsonl"),
                "{\"relation\":\"P1\",\"template\":\"[X] is near a [Y] .\",\"label\":\"near\",\"type\":\"N-1\"}\n");
        Path facts = Files.createDirectories(lama.resolve("TREx"));
        Files.writeString(facts.resolve("P1.jsonl"),
                "{\"sub_label\":\"cat\",\"obj_label\":\"house\",\"sub_uri\":\"Q1\",\"obj_uri\":\"Q2\",\"predicate_id\":\"P1\"}\n"
                + "{\"sub_label\":\"house\",\"obj_label\":\"school\",\"sub_uri\":\"Q3\",\"obj_uri\":\"Q4\",\"predicate_id\":\"P1\"}\n");
        Path kg = Files.createDirectories(data.resolve("kg"));
        Files.writeString(kg.resolve("train.tsv"), "Q1\tP1\tQ2\nQ3\tP1\tQ4\nQ2\tP2\tQ3\n");
        Files.writeString(kg.resolve("valid.tsv"), "Q1\tP1\tQ2\n");
        Files.writeString(kg.resolve("test.tsv"), "Q3\tP1\tQ4\n");
    }

    @Test
    void probesWithKnowledgeGraphEmbeddingsAndMarksInapplicableMethods(@TempDir Path tmp) throws Exception {
        writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("probe.yaml"), STUDY);
        Path out = tmp.resolve("out");
        Study study = StudyFile.read(file, null);
        StudyResults r;
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            r = StudyRunner.run(infuse, study, out, executor);
        }
        assertThat(out.resolve("knowledge/tiny/entity_embeddings.safetensors")).exists();
        assertThat(out.resolve("knowledge/tiny/metrics.json")).exists();
        // The map-tuning artifact carries the study's embeddings (4 entities × 8 dimensions).
        assertThat(out.resolve("pretraining/map-tuning/map-tuning/adapters/map-tuning/adapter.safetensors")).exists();

        Map<String, StudyResults.CellResult> byMethod = r.cells().stream()
                .collect(Collectors.toMap(StudyResults.CellResult::method, c -> c));
        assertThat(byMethod.get("baseline").status()).as(byMethod.get("baseline").error()).isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(byMethod.get("baseline").metrics()).containsKeys("p_at_1", "p_at_1/P1");
        assertThat(byMethod.get("baseline").metrics().get("facts")).isEqualTo(2.0);
        assertThat(byMethod.get("baseline").trainableParameters()).isZero();
        assertThat(byMethod.get("map-tuning").status()).as(byMethod.get("map-tuning").error())
                .isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(byMethod.get("factual").status()).isEqualTo(CellOutcome.Status.NOT_APPLICABLE);
        assertThat(byMethod.get("factual").error()).contains("masked-LM head").contains("concat");
        assertThat(r.failedCells()).isEmpty();

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("| factual | n/a |").contains("## Not applicable").doesNotContain("## Failed cells");
        assertThat(Files.readString(out.resolve("report.html"))).contains("Not applicable");

        // A rerun keeps everything, including the knowledge graph and the n/a cell.
        dev.infuse.testkit.FileIdentity before = dev.infuse.testkit.FileIdentity.of(out.resolve("knowledge/tiny/entity_embeddings.safetensors"));
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            StudyResults again = StudyRunner.run(infuse, study, out, executor);
            assertThat(again.cells()).allSatisfy(c -> assertThat(c.status()).isIn(CellOutcome.Status.REUSED,
                    CellOutcome.Status.NOT_APPLICABLE));
        }
        assertThat(dev.infuse.testkit.FileIdentity.of(out.resolve("knowledge/tiny/entity_embeddings.safetensors"))).isEqualTo(before);
        assertThat(Files.readString(out.resolve("cells/baseline/lama/seed-1/" + StepFolders.RECIPE))).contains("task ", "seed 1");

        // An edited study (another budget) is not mistaken for the finished one: its cells run again,
        // the unchanged knowledge graph is kept.
        Path edited = Files.writeString(tmp.resolve("probe.yaml"), STUDY.replace("max_length: 32", "max_length: 24"));
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                CellExecutor executor = new LocalCellExecutor(1)) {
            StudyResults again = StudyRunner.run(infuse, StudyFile.read(edited, null), out, executor);
            assertThat(again.cells()).filteredOn(c -> !c.method().equals("factual"))
                    .allSatisfy(c -> assertThat(c.status()).isEqualTo(CellOutcome.Status.COMPLETED));
            assertThat(again.pretrainings()).allSatisfy(p -> assertThat(p.status()).isEqualTo(CellOutcome.Status.COMPLETED));
        }
        assertThat(dev.infuse.testkit.FileIdentity.of(out.resolve("knowledge/tiny/entity_embeddings.safetensors"))).isEqualTo(before);
    }

    @Test
    void anUnknownKnowledgeGraphReferenceIsNamedWithItsPlace(@TempDir Path tmp) throws Exception {
        writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("bad.yaml"), STUDY.replace("kg:tiny", "kg:tiny2"));
        assertThatThrownBy(() -> StudyFile.read(file, null)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("bad.yaml:").hasMessageContaining("kg:tiny2").hasMessageContaining("did you mean 'kg:tiny'");
        Path missing = Files.writeString(tmp.resolve("missing.yaml"), STUDY.replace("source: kg", "source: kg/nowhere"));
        assertThatThrownBy(() -> StudyFile.read(missing, null)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("missing.yaml:").hasMessageContaining("kg/nowhere");
    }
}
