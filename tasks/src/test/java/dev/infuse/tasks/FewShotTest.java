package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Task;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** FewRel's few-shot option: a seeded number of training sentences per relation, the development split untouched. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FewShotTest {
    private Backbone backbone;

    @TempDir
    Path tmp;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    private RelationClassification[] prepare(Path file, Map<String, String> options, long seed, int maxTrain) {
        Task task = Tasks.builtIn().create("fewrel", new java.util.HashMap<String, Object>(options));
        Task.Prepared p = task.prepare(new Task.Input(file, null, backbone.tokenizer(), List.of(), 32, seed, maxTrain));
        return new RelationClassification[] {(RelationClassification) p.train(), (RelationClassification) p.dev()};
    }

    private static Map<String, Integer> perLabel(RelationClassification d) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < d.size(); i++) {
            counts.merge(d.gold(i), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void perRelationSamplesTheTrainingSplitOnly() throws Exception {
        Path file = Files.writeString(tmp.resolve("fewrel.json"), TaskRunnerTest.fewRel());
        RelationClassification[] all = prepare(file, Map.of(), 1, 0);
        RelationClassification[] five = prepare(file, Map.of("per_relation", "5"), 1, 0);
        assertThat(all[0].size()).isEqualTo(54);
        assertThat(perLabel(five[0])).isEqualTo(Map.of("P1", 5, "P2", 5));
        assertThat(five[1].ids()).as("the development split is the same with and without the option").isEqualTo(all[1].ids());
        assertThat(five[0].ids()).doesNotContainAnyElementsOf(all[1].ids());
        // Seeded by the data seed: the same seed draws the same sentences, another seed others.
        assertThat(prepare(file, Map.of("per_relation", "5"), 1, 0)[0].ids()).isEqualTo(five[0].ids());
        RelationClassification[] reseeded = prepare(file, Map.of("per_relation", "5"), 2, 0);
        Set<String> a = new HashSet<>(five[0].ids());
        assertThat(a).isNotEqualTo(new HashSet<>(reseeded[0].ids()));
        // More than a relation has: all of it; --max-train cuts after the per-relation sample.
        assertThat(prepare(file, Map.of("per_relation", "100"), 1, 0)[0].size()).isEqualTo(54);
        assertThat(prepare(file, Map.of("per_relation", "5"), 1, 4)[0].size()).isEqualTo(4);
        assertThat(prepare(file, Map.of("per_relation", "0"), 1, 0)[0].ids()).isEqualTo(all[0].ids());
    }

    @Test
    void aBadCountIsOneClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("fewrel.json"), TaskRunnerTest.fewRel());
        for (String bad : List.of("-1", "ten", "2.5")) {
            assertThatThrownBy(() -> prepare(file, Map.of("per_relation", bad), 1, 0))
                    .isInstanceOf(InfuseException.class)
                    .hasMessageContaining("per_relation")
                    .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("config-bad-value"));
        }
    }
}
