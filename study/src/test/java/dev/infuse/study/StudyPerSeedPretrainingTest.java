package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
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
 * {@code pretrain: {seed: each}}: one pretraining per study seed, its twin likewise, and each seed's cells on
 * their own seed's adapter — on the tiny random BERT, run once for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudyPerSeedPretrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String STUDY = """
            name: per-seed
            backbone: {name: bert-random}
            data: data
            seeds: [1, 2]
            budgets:
              default: {epochs: 1, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            tasks:
              - {name: semeval, dev: data/semeval-dev.txt}
            methods:
              - name: factual
                adapters:
                  - adapter: factual
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
                    pretrain: {task: trex-rc, seed: each}
                twin: {pretrain_options: {labels: shuffled}}
              - name: factual-control
                adapters:
                  - {mode: control, from: factual}
            """;

    Path tmp;
    Path out;
    Study study;
    StudyResults first;

    @BeforeAll
    void runStudy(@TempDir Path dir) throws Exception {
        tmp = dir;
        out = tmp.resolve("out");
        study = StudyRuns.read(tmp, "per-seed.yaml", STUDY);
        first = StudyRuns.run(tmp, study, out);
    }

    @Test
    @Order(1)
    void eachSeedHasItsOwnPretrainingAndSoDoesTheTwin() {
        // Seed by seed: a study stopped half-way has the method and its twin for the first seed.
        assertThat(study.pretrainings()).extracting(Study.Pretraining::id).containsExactly("factual/factual/seed-1",
                "factual-twin/factual/seed-1", "factual/factual/seed-2", "factual-twin/factual/seed-2");
        assertThat(study.pretrainings()).extracting(Study.Pretraining::seed).containsExactly(1L, 1L, 2L, 2L);
        assertThat(study.pretrainings()).noneMatch(Study.Pretraining::perSeed);
        Study.Pretraining declared = study.method("factual-twin").pretrainings().get(0);
        assertThat(declared.perSeed()).as("the twin's step is per seed as its method's").isTrue();
        assertThat(declared.options()).containsEntry("labels", "shuffled");
        assertThat(first.pretrainings()).hasSize(4).allMatch(o -> o.status() == CellOutcome.Status.COMPLETED);
        assertThat(first.cells()).allMatch(o -> o.status() == CellOutcome.Status.COMPLETED);
    }

    @Test
    @Order(1)
    void theStudyRunsSeedBySeedSoThatAStopLeavesCompleteSeeds() throws Exception {
        // Every cell of seed 1 was written before seed 2's pretrainings finished (run after them, they would follow).
        java.nio.file.attribute.FileTime seed1Cells = java.nio.file.attribute.FileTime.fromMillis(0);
        for (String m : List.of("baseline", "factual", "factual-twin", "factual-control")) {
            java.nio.file.attribute.FileTime t = Files.getLastModifiedTime(out.resolve("cells/" + m + "/semeval/seed-1/metrics.json"));
            seed1Cells = t.compareTo(seed1Cells) > 0 ? t : seed1Cells;
        }
        assertThat(Files.readString(out.resolve("pretraining/factual/factual/seed-2/recipe.txt"))).contains("seed=2");
        assertThat(Files.getLastModifiedTime(out.resolve("pretraining/factual/factual/seed-2/metrics.json"))).isGreaterThan(seed1Cells);
        assertThat(Files.getLastModifiedTime(out.resolve("pretraining/factual-twin/factual/seed-2/metrics.json"))).isGreaterThan(seed1Cells);
    }

    @Test
    @Order(2)
    void theSeedsPretrainDifferentAdaptersAndEachSeedsCellsLoadTheirs() throws Exception {
        Path one = out.resolve("pretraining/factual/factual/seed-1/adapters/factual");
        Path two = out.resolve("pretraining/factual/factual/seed-2/adapters/factual");
        assertThat(Files.readAllBytes(one.resolve("adapter.safetensors")))
                .as("seed 2 pretrained another adapter than seed 1").isNotEqualTo(Files.readAllBytes(two.resolve("adapter.safetensors")));
        for (long seed : List.of(1L, 2L)) {
            for (String method : List.of("factual", "factual-twin")) {
                Path cell = out.resolve("cells/" + method + "/semeval/seed-" + seed);
                JsonNode adapters = JSON.readTree(cell.resolve("metrics.json").toFile()).get("adapters");
                assertThat(adapters.get(0).get("artifact").asText()).as(method + " seed " + seed)
                        .isEqualTo(out.resolve("pretraining/" + method + "/factual/seed-" + seed + "/adapters/factual").toString());
                assertThat(Files.readString(cell.resolve("recipe.txt"))).contains("id=" + method + "/factual/seed-" + seed + ",")
                        .containsPattern(", seed=" + seed + "[],]");
            }
        }
        // The report pairs each method with its twin over both seeds, as for a step run once.
        assertThat(Files.readString(out.resolve("results.md"))).contains("factual-twin");
    }

    @Test
    @Order(2)
    void theStatusOfTheFinishedStudyIsEveryStepDoneWithItsScore() {
        List<StudyStatus.Step> steps = StudyStatus.of(study, out);
        assertThat(steps).hasSize(12).allMatch(s -> s.state() == StudyStatus.State.DONE);
        StudyResults.CellResult cell = first.cells().stream().filter(c -> c.method().equals("factual") && c.seed() == 2)
                .findFirst().orElseThrow();
        assertThat(steps).filteredOn(s -> s.label().equals("factual/semeval/seed-2")).singleElement()
                .extracting(StudyStatus.Step::detail).asString()
                .startsWith(String.format(java.util.Locale.ROOT, "f1 %.2f", 100 * cell.metrics().get("f1")));
    }

    @Test
    @Order(3)
    void aRerunReusesEveryPretrainingAndCell() throws Exception {
        FileIdentity before = FileIdentity.of(out.resolve("pretraining/factual/factual/seed-2/metrics.json"));
        StudyResults again;
        again = StudyRuns.run(tmp, study, out);
        assertThat(again.cells()).allMatch(o -> o.status() == CellOutcome.Status.REUSED);
        assertThat(FileIdentity.of(out.resolve("pretraining/factual/factual/seed-2/metrics.json"))).isEqualTo(before);
    }

    @Test
    void aSeedThatIsNeitherAnIntegerNorEachIsOneClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("bad.yaml"), STUDY.replace("seed: each", "seed: every"));
        assertThatThrownBy(() -> StudyFile.read(file, null)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("bad.yaml:").hasMessageContaining("must be an integer, or 'each' for one pretraining per study seed")
                .hasMessageContaining("every");
    }
}
