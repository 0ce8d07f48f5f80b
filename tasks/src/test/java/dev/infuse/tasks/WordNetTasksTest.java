package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.data.LinkedSentence;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.Span;
import dev.infuse.data.WordNetLexicon;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The embedded WordNet tasks on the real WordNet 3.1 and the tiny random backbone; the markers option. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WordNetTasksTest {
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

    @Test
    void embeddedTasksNeedNoFilesAndRefuseThem() {
        for (String name : List.of("wn-relation", "wn-facts", "wn-mention-mlm", "wn-cloze")) {
            dev.infuse.spi.Task t = Tasks.builtIn().create(name, java.util.Map.of());
            assertThat(t.data().builtIn()).isTrue();
            assertThat(Tasks.resolve(t, null, null, null)).isEqualTo(new Tasks.DataFiles(null, null));
            assertThat(Tasks.resolve(t, tmp, null, null).train()).isNull();
            assertThatThrownBy(() -> Tasks.resolve(t, null, tmp.resolve("x.json"), null))
                    .isInstanceOf(InfuseException.class).hasMessageContaining("built in").hasMessageContaining("--train");
        }
        assertThat(Tasks.builtIn().create("fewrel", java.util.Map.of()).data().builtIn()).isFalse();
    }

    @Test
    void wordNetTasksFeaturiseWithTheirSizes() {
        var w = WordNetLexicon.load();
        var rel = Tasks.builtIn().create("wn-relation", java.util.Map.of()).prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 0));
        assertThat(rel.files()).isEmpty();
        var train = (RelationClassification) rel.train();
        var dev = (RelationClassification) rel.dev();
        assertThat(train.labels()).containsExactlyElementsOf(WordNetLexicon.PAIR_CLASSES);
        assertThat(dev.labels()).isEqualTo(train.labels());
        // Every pair is featurised or counted (the tiny vocabulary cuts a few very long words at 32 pieces).
        assertThat(train.size() + skippedCount(train)).isEqualTo(w.wordPairs().train().size());
        assertThat(train.size()).isGreaterThan(w.wordPairs().train().size() - 20);
        assertThat(dev.size() + skippedCount(dev)).isEqualTo(w.wordPairs().dev().size());
        assertThat(w.wordPairs().dev().size()).isBetween(500, 800);
        // The subject marker precedes the head word; both markers are found.
        int[] pos = dev.markerPositions(0);
        assertThat(dev.texts().get(0).tokens()[pos[0]]).isEqualTo("@");
        assertThat(dev.texts().get(0).tokens()[pos[1]]).isEqualTo("#");
        // A seeded subset of the training pairs; the development pairs are never cut.
        var cut = Tasks.builtIn().create("wn-relation", java.util.Map.of()).prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 100));
        assertThat(cut.train().size()).isEqualTo(100);
        assertThat(cut.dev().size()).isEqualTo(dev.size());
        assertThat(skippedCount(cut.train())).isZero();
        var again = Tasks.builtIn().create("wn-relation", java.util.Map.of()).prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 100));
        assertThat(((RelationClassification) again.train()).ids()).isEqualTo(((RelationClassification) cut.train()).ids());

        var facts = Tasks.builtIn().create("wn-facts", java.util.Map.of()).prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 0));
        assertThat(facts.train().size() + skippedCount(facts.train())).isEqualTo(w.facts().train().size());
        assertThat(((RelationClassification) facts.train()).labels()).contains("hypernym", "antonym", "substance-meronym");

        var mlm = Tasks.builtIn().create("wn-mention-mlm", java.util.Map.of()).prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 64, 1, 0));
        assertThat(mlm.train()).isInstanceOf(MaskedMentions.class);
        assertThat(mlm.train().size() + skippedCount(mlm.train()))
                .isEqualTo(w.usageMentions().train().size());
        assertThat(mlm.train().size()).isGreaterThan(2_900);
        assertThat(mlm.dev().size()).isGreaterThan(290);

        // The hypernym cloze: the lexicon's training and development facts, each a query or a counted skip
        // (the tiny vocabulary splits most objects into several pieces); P@1 as the probe's.
        dev.infuse.spi.Task clozeTask = Tasks.builtIn().create("wn-cloze", java.util.Map.of());
        assertThat(clozeTask.metric().name()).isEqualTo("p_at_1");
        var cloze = clozeTask.prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 0));
        assertThat(cloze.train()).isInstanceOf(LamaProbeTask.class);
        assertThat(cloze.train().size()).isPositive();
        assertThat(cloze.train().size() + skippedCount(cloze.train())).isEqualTo(w.hypernymCloze().train().size());
        assertThat(cloze.dev().size() + skippedCount(cloze.dev())).isEqualTo(w.hypernymCloze().dev().size());
        var clozeCut = clozeTask.prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 200));
        assertThat(clozeCut.train().size() + skippedCount(clozeCut.train())).isEqualTo(200);
        assertThat(clozeCut.dev().size()).isEqualTo(cloze.dev().size());
    }

    @Test
    void wnFactsShuffledLabelsIsTheTwinsTrainingSet() {
        dev.infuse.spi.Task.Input in = new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 1, 0);
        var gold = Tasks.builtIn().create("wn-facts", java.util.Map.of()).prepare(in);
        var shuffled = Tasks.builtIn().create("wn-facts", java.util.Map.of("labels", "shuffled")).prepare(in);
        var g = (RelationClassification) gold.train();
        var s = (RelationClassification) shuffled.train();
        assertThat(s.ids()).isEqualTo(g.ids());
        assertThat(s.labels()).isEqualTo(g.labels());
        java.util.Map<String, Integer> goldCounts = new java.util.TreeMap<>();
        java.util.Map<String, Integer> shuffledCounts = new java.util.TreeMap<>();
        int moved = 0;
        for (int i = 0; i < g.size(); i++) {
            goldCounts.merge(g.gold(i), 1, Integer::sum);
            shuffledCounts.merge(s.gold(i), 1, Integer::sum);
            moved += g.gold(i).equals(s.gold(i)) ? 0 : 1;
        }
        // Same label counts over all facts; the few the tiny vocabulary cuts at 32 pieces carry other labels in each.
        int cut = WordNetLexicon.load().facts().train().size() - g.size();
        int differ = 0;
        for (String label : g.labels()) {
            differ += Math.abs(goldCounts.getOrDefault(label, 0) - shuffledCounts.getOrDefault(label, 0));
        }
        assertThat(cut).isLessThan(20);
        assertThat(differ).as("label counts").isLessThanOrEqualTo(2 * cut);
        assertThat(moved).as("most facts lose their relation").isGreaterThan(g.size() / 2);
        var gd = (RelationClassification) gold.dev();
        var sd = (RelationClassification) shuffled.dev();
        for (int i = 0; i < gd.size(); i++) {
            assertThat(sd.gold(i)).as("development labels stay gold").isEqualTo(gd.gold(i));
        }
        // The permutation does not follow the run's seed: every seed of a study trains the same twin.
        var otherSeed = (RelationClassification) Tasks.builtIn().create("wn-facts", java.util.Map.of("labels", "shuffled"))
                .prepare(new dev.infuse.spi.Task.Input(null, null, backbone.tokenizer(), List.of(), 32, 2, 0)).train();
        for (int i = 0; i < s.size(); i++) {
            assertThat(otherSeed.gold(i)).isEqualTo(s.gold(i));
        }
        assertThatThrownBy(() -> Tasks.builtIn().create("wn-facts", java.util.Map.of("labels", "random")).prepare(in))
                .isInstanceOf(InfuseException.class).hasMessageContaining("wn-facts").hasMessageContaining("gold or shuffled");
    }

    @Test
    void linkedSentencesMaskTheirOneMention() {
        var s = new LinkedSentence("1", List.of("the", "cat", "saw", "a", "dog"), new Span(4, 5), "Q1");
        var d = MaskedMentions.ofLinked(List.of(s), backbone.tokenizer(), List.of(new KnowledgeTasksTest.Marker()), 64);
        assertThat(d.size()).isEqualTo(1);
        String[] tokens = d.texts().get(0).tokens();
        int[] ids = d.texts().get(0).ids();
        int isAt = java.util.Arrays.asList(tokens).lastIndexOf("is");
        assertThat(isAt).isPositive();
        // Every piece of "dog" after the prefix is masked; "cat" before it is not.
        for (int i = isAt + 1; i < tokens.length - 1; i++) {
            assertThat(ids[i]).isEqualTo(backbone.tokenizer().maskId());
        }
        assertThat(String.join(" ", java.util.Arrays.copyOfRange(tokens, 0, isAt)).replace(" ##", "")).contains("the cat saw a");
        var unlinked = MaskedMentions.ofLinked(List.of(new LinkedSentence("2", List.of("a", "dog"), new Span(1, 2), "Q7")),
                backbone.tokenizer(), List.of(new KnowledgeTasksTest.Marker()), 64);
        assertThat(unlinked.size()).isZero();
        assertThat(unlinked.skipped()).containsEntry("masked-mention-unlinked", 1);
    }

    @Test
    void markersOptionChoosesThePair() {
        var r = new RelationInstance("1", List.of("the", "cat", "saw", "a", "dog"), new Span(1, 2), new Span(4, 5), "P1", null, null);
        var infuse = RelationClassification.fromInstances(List.of(r), backbone.tokenizer(), List.of(), List.of("P1"), 32);
        var authors = RelationClassification.fromInstances(List.of(r), backbone.tokenizer(), List.of(), List.of("P1"), 32,
                RelationClassification.Markers.AUTHORS);
        String plain = String.join(" ", infuse.texts().get(0).tokens()).replace(" ##", "");
        String marked = String.join(" ", authors.texts().get(0).tokens()).replace(" ##", "");
        assertThat(plain).contains("@ cat @").contains("# dog #");
        assertThat(infuse.texts().get(0).tokens()[infuse.markerPositions(0)[0]]).isEqualTo("@");
        assertThat(authors.texts().get(0).tokens()[authors.markerPositions(0)[0]]).isEqualTo("#");
        assertThat(marked).contains("# cat #").doesNotContain("@");
        // "$" is outside the tiny vocabulary, so check it by id against a direct encoding.
        int dollar = backbone.tokenizer().encode("$").ids()[1];
        assertThat(authors.texts().get(0).ids()[authors.markerPositions(0)[1]]).isEqualTo(dollar);
        assertThat(RelationClassification.Markers.parse(null)).isEqualTo(RelationClassification.Markers.INFUSE);
        assertThat(RelationClassification.Markers.parse("authors")).isEqualTo(RelationClassification.Markers.AUTHORS);
        assertThatThrownBy(() -> RelationClassification.Markers.parse("k-adapter")).isInstanceOf(InfuseException.class)
                .hasMessageContaining("infuse").hasMessageContaining("authors");
    }

    @Test
    void hypernymProbeRunsFromMemory() {
        var probe = WordNetLexicon.load().hypernymProbe();
        var task = LamaProbeTask.of(probe, backbone.tokenizer(), List.of(), 50);
        assertThat(task.size()).isBetween(1, 50);
        // The tiny vocabulary splits most words: those objects are skipped and counted.
        assertThat(task.skipped().getOrDefault("multi-token-object", 0)).isPositive();
        String first = String.join(" ", task.texts().get(0).tokens()).replace(" ##", "");
        assertThat(first).contains("is a kind of [MASK] .");
        try (ComposedModel m = ComposedModel.builder(backbone).head(task.head(), false).build()) {
            var score = task.score(task.predict(m, 3));
            assertThat(score).containsKeys("p_at_1", "p_at_1/hypernym");
            assertThat(score.get("facts")).isEqualTo((double) task.size());
        }
    }

    @Test
    void wnRelationTrainsAndEvaluatesThroughTheRunner() throws Exception {
        TrainingConfig training = new TrainingConfig(1, 16, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build()) {
            var spec = RunSpec.builder("wn-relation").adapters(List.of()).fusion("concat").training(training).maxLength(48).cache(true).headDropout(0f).out(tmp.resolve("run")).maxTrain(200).markers("authors").build();
            var result = TaskRunner.run(infuse, backbone, spec);
            assertThat(result.metrics()).containsKeys("accuracy", "f1");
            assertThat(result.metrics().get("accuracy")).isBetween(0.0, 1.0);
            assertThat(result.report().epochs()).hasSize(1);
            List<String> predictions = Files.readAllLines(tmp.resolve("run/predictions.jsonl"));
            int skipped = result.skippedDev().values().stream().mapToInt(Integer::intValue).sum();
            assertThat(predictions).hasSize(WordNetLexicon.load().wordPairs().dev().size() - skipped);
            assertThat(skipped).isLessThan(10);
            assertThat(Files.readString(tmp.resolve("run/metrics.json"))).contains("\"markers\" : \"authors\"");
            assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, spec.toBuilder().markers("dollar").build()))
                    .isInstanceOf(InfuseException.class).hasMessageContaining("markers 'dollar'");
        }
    }

    private static int skippedCount(dev.infuse.spi.Task.Split d) {
        return d.skipped().values().stream().mapToInt(Integer::intValue).sum();
    }
}
