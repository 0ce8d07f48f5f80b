package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingReport;
import dev.infuse.data.DependencySentence;
import dev.infuse.data.EntityTypingExample;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.SemEvalExample;
import dev.infuse.data.Span;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.testkit.TinyBackbones;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TasksTest {
    Backbone backbone;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    static RelationInstance rel(String id, String sentence, int h, int t, String label) {
        return new RelationInstance(id, List.of(sentence.split(" ")), new Span(h, h + 1), new Span(t, t + 1), label, null, null);
    }

    @Test
    void relationMarkersPointAtTheStartMarkerTokens() {
        var d = RelationClassification.fromInstances(List.of(rel("1", "the cat saw a dog", 1, 4, "r1"),
                rel("2", "a dog saw the cat", 4, 1, "r2")), backbone.tokenizer(), List.of("r1", "r2"), 64);
        assertThat(d.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            String[] tokens = d.texts().get(i).tokens();
            assertThat(tokens[d.markerPositions(i)[0]]).isEqualTo("@");
            assertThat(tokens[d.markerPositions(i)[1]]).isEqualTo("#");
        }
        // Object before subject: the '#' comes first in the text.
        assertThat(d.markerPositions(1)[1]).isLessThan(d.markerPositions(1)[0]);
        assertThat(String.join(" ", d.texts().get(0).tokens()).replace(" ##", "")).contains("@ cat @", "# dog #");
    }

    @Test
    void relationExamplesWhoseMarkerIsCutOffAreSkippedAndCounted() {
        var d = RelationClassification.fromInstances(List.of(rel("1", "the cat saw a dog and a house", 1, 7, "r1")),
                backbone.tokenizer(), List.of("r1"), 8);
        assertThat(d.size()).isZero();
        assertThat(d.skipped()).containsEntry("marker-truncated", 1);
    }

    @Test
    void unknownRelationLabelIsAClearError() {
        assertThatThrownBy(() -> RelationClassification.fromInstances(List.of(rel("7", "a cat", 0, 1, "zzz")),
                backbone.tokenizer(), List.of("r1"), 64)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("example 7").hasMessageContaining("zzz");
    }

    @Test
    void semEvalMarkersWrapTheCharacterSpans() {
        String text = "the cat is in the house .";
        var e = new SemEvalExample("5", text, new Span(4, 7), new Span(18, 23), "Content-Container(e1,e2)");
        var d = RelationClassification.fromSemEval(List.of(e), backbone.tokenizer(), 64);
        assertThat(String.join(" ", d.texts().get(0).tokens()).replace(" ##", "")).contains("@ cat @", "# house #");
        assertThat(d.labels()).hasSize(19);
        assertThat(d.gold(0)).isEqualTo("Content-Container(e1,e2)");
    }

    @Test
    void entityTypingMarksTheMention() {
        var e = new EntityTypingExample("1", List.of("the", "old", "house", "is", "big"), new Span(1, 3), List.of("object"), List.of("object"));
        var d = EntityTyping.of(List.of(e), backbone.tokenizer(), List.of("person", "object"), 64);
        assertThat(String.join(" ", d.texts().get(0).tokens()).replace(" ##", "")).contains("@ old house @");
    }

    @Test
    void entityTypingTakesTheAuthorsMentionMarker() {
        var e = new EntityTypingExample("1", List.of("the", "old", "house", "is", "big"), new Span(1, 3), List.of("object"), List.of("object"));
        var d = EntityTyping.of(List.of(e), backbone.tokenizer(), List.of(), List.of("person", "object"), 64,
                RelationClassification.Markers.AUTHORS);
        // "$" is outside the tiny vocabulary, so compare ids with a direct encoding of the marked text.
        int[] expected = backbone.tokenizer().encode("the $ old house $ is big").ids();
        assertThat(d.texts().get(0).ids()).containsExactly(expected);
        assertThat(String.join(" ", d.texts().get(0).tokens())).doesNotContain("@");
    }

    @Test
    void relationClassifierLearnsAMarkerTask() {
        // Label = which of the two marked words comes first in a fixed vocabulary: learnable only from the markers.
        String[] words = {"cat", "dog", "house", "car", "tree", "book"};
        List<RelationInstance> train = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 240; i++) {
            int a = r.nextInt(words.length);
            int b = (a + 1 + r.nextInt(words.length - 1)) % words.length;
            String s = "the " + words[a] + " is near the " + words[b];
            train.add(rel("" + i, s, 1, 5, words[a].equals("cat") || words[a].equals("dog") ? "animal" : "thing"));
        }
        var data = RelationClassification.fromInstances(train.subList(0, 192), backbone.tokenizer(), List.of("animal", "thing"), 64);
        var dev = RelationClassification.fromInstances(train.subList(192, 240), backbone.tokenizer(), List.of("animal", "thing"), 64);
        try (ComposedModel m = ComposedModel.builder(backbone).head(data.head(0f), true).seed(1).forTraining(true).build()) {
            TrainingReport report = new Trainer(new TrainingConfig(8, 16, 0, 1e-2, 0.1, 1.0, 0, 1)).quiet()
                    .fit(m, data, dev.evaluator(dev, RelationClassification.Scoring.ACCURACY));
            assertThat(report.bestMetrics().get("accuracy")).isGreaterThan(0.9);
        }
    }

    @Test
    void dependencyHeadsLearnAChainTree() {
        // Every word's head is the word before it; the first word is the root.
        String[] words = {"the", "cat", "dog", "saw", "a", "house", "is", "big", "old", "new"};
        List<DependencySentence> sentences = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            int n = 3 + r.nextInt(6);
            List<String> forms = new ArrayList<>();
            int[] heads = new int[n];
            for (int w = 0; w < n; w++) {
                forms.add(words[r.nextInt(words.length)]);
                heads[w] = w;
            }
            sentences.add(new DependencySentence(forms, heads, java.util.Collections.nCopies(n, "dep"), List.of()));
        }
        var train = DependencyHeads.of(sentences.subList(0, 160), backbone.tokenizer(), 64);
        var dev = DependencyHeads.of(sentences.subList(160, 200), backbone.tokenizer(), 64);
        try (ComposedModel m = ComposedModel.builder(backbone).head(train.head(32, 0f), true).seed(1).forTraining(true).build()) {
            TrainingReport report = new Trainer(new TrainingConfig(10, 16, 0, 1e-2, 0.1, 1.0, 0, 1)).quiet()
                    .fit(m, train, dev.evaluator(dev));
            assertThat(report.bestMetrics().get("uas")).isGreaterThan(0.9);
        }
    }
}
