package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.ComposedModel;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.Span;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.EntityMention;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.TokenInput;
import dev.infuse.spi.TokenizedText;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** LAMA probing and masked mention modelling, with a stand-in input-side adapter. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgeTasksTest {
    Backbone backbone;

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

    /** Puts "is" before mentions of Q1 only and marks those tokens with 7 in a per-token input. */
    static final class Marker implements KnowledgeAdapter {
        @Override
        public String name() {
            return "marker";
        }

        @Override
        public Map<String, Object> config() {
            return Map.of();
        }

        @Override
        public String mentionPrefix(EntityMention m) {
            return "Q1".equals(m.entityId()) ? "is " : "";
        }

        @Override
        public List<TokenInput> tokenInputs(TokenizedText t, List<EntityMention> mentions) {
            int[] v = new int[t.length()];
            for (int i = 0; i < t.length(); i++) {
                v[i] = t.tokens()[i].equals("is") ? 7 : 0;
            }
            return List.of(new TokenInput("marks", v, -1));
        }
    }

    @Test
    void maskedMentionsMaskEveryPieceOfTheMentionAndKeepThePrefix() {
        var r = new RelationInstance("1", List.of("the", "cat", "saw", "a", "dog"), new Span(1, 2), new Span(4, 5), "P1", "Q1", "Q9");
        var d = MaskedMentions.of(List.of(r), backbone.tokenizer(), List.of(new Marker()), 64);
        // Variants: both masked (tail unlinked -> skipped), head only (kept), tail only (unlinked -> skipped).
        assertThat(d.size()).isEqualTo(1);
        assertThat(d.skipped()).containsEntry("masked-mention-unlinked", 2);
        String[] tokens = d.texts().get(0).tokens();
        int[] ids = d.texts().get(0).ids();
        int isAt = Arrays.asList(tokens).indexOf("is");
        assertThat(isAt).isPositive();
        // Every piece after the prefix up to "saw" is masked.
        for (int i = isAt + 1; i < tokens.length && !tokens[i].equals("saw"); i++) {
            assertThat(ids[i]).isEqualTo(backbone.tokenizer().maskId());
        }
        try (var b = d.batch(new int[] {0})) {
            assertThat(b.tensors()).containsKeys("mlm_positions", "mlm_labels", "marks");
        }
    }

    @Test
    void lamaProbeScoresSingleTokenObjectsAndSkipsTheRest() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("lama"));
        Files.writeString(lama.resolve("relations.jsonl"),
                "{\"relation\":\"P1\",\"template\":\"[X] is a [Y] .\",\"label\":\"is a\",\"type\":\"N-1\"}\n"
                + "{\"relation\":\"P2\",\"template\":\"[X] has [Y] .\",\"label\":\"has\",\"type\":\"N-M\"}\n");
        Path facts = Files.createDirectories(lama.resolve("TREx"));
        Files.writeString(facts.resolve("P1.jsonl"),
                "{\"sub_label\":\"the cat\",\"obj_label\":\"house\",\"sub_uri\":\"Q1\",\"obj_uri\":\"Q2\",\"predicate_id\":\"P1\",\"evidences\":[]}\n"
                + "{\"sub_label\":\"a house\",\"obj_label\":\"zzzqqq\",\"sub_uri\":\"Q3\",\"obj_uri\":\"Q4\",\"predicate_id\":\"P1\",\"evidences\":[]}\n");
        var task = LamaProbeTask.of(lama, backbone.tokenizer(), List.of(new Marker()), 0);
        assertThat(task.size()).isEqualTo(1);
        assertThat(task.skipped()).containsEntry("multi-token-object", 1).containsEntry("relation-file-missing", 1);
        assertThat(String.join(" ", task.texts().get(0).tokens()).replace(" ##", "")).contains("is the cat is a [MASK] .");
        try (ComposedModel m = ComposedModel.builder(backbone).head(task.head(), false).build()) {
            var predictions = task.predict(m, 5);
            assertThat(predictions).hasSize(1);
            assertThat(predictions.get(0).top()).hasSize(5);
            assertThat(predictions.get(0).probabilities().get(0)).isGreaterThanOrEqualTo(predictions.get(0).probabilities().get(4));
            var score = task.score(predictions);
            assertThat(score).containsKeys("p_at_1", "p_at_1_micro", "p_at_1/P1");
            assertThat(score.get("relations")).isEqualTo(1.0);
        }
    }
}
