package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The WordNet-derived data on the real embedded WordNet 3.1. */
class WordNetLexiconTest {
    private static final WordNetLexicon W = WordNetLexicon.load();

    @Test
    void splitRuleIsTheDocumentedFormulaAndHoldsOutAboutOneInFive() {
        // Recorded values (computed outside Java from the documented rule), so a changed rule fails here.
        assertThat(WordNetSplit.isHeldOut(0L)).isTrue();
        assertThat(WordNetSplit.isHeldOut(14499245L)).isTrue();
        assertThat(WordNetSplit.isHeldOut(1740L)).isFalse();
        assertThat(WordNetSplit.isHeldOut(2086723L)).isFalse();
        assertThat(WordNetSplit.isHeldOut(99_999_999L)).isFalse();
        long held = W.vocabulary().stream().filter(WordNetLexicon.Synset::heldOut).count();
        assertThat((double) held / W.vocabulary().size()).isBetween(0.17, 0.23);
    }

    @Test
    void vocabularyIsCappedSingleLowerCaseWordsWithIdsInTheDocumentedForm() {
        assertThat(W.nounCount()).isGreaterThan(80_000);
        assertThat(W.vocabulary()).hasSize(WordNetLexicon.Config.DEFAULT.vocabularySize());
        assertThat(W.vocabulary()).allSatisfy(s -> assertThat(s.name()).matches("[a-z]+"));
        WordNetLexicon.Synset dog = W.vocabulary().stream().filter(s -> s.name().equals("dog") && s.definition().contains("Canis"))
                .findFirst().orElseThrow();
        assertThat(dog.id()).isEqualTo("wn31-n-02086723");
        assertThat(WordNetLexicon.offsetOf(dog.id())).isEqualTo(2086723L);
        assertThat(dog.links()).contains(new WordNetLexicon.Link("hypernym", W.synset("wn31-n-02085998").offset()));
        assertThat(W.synset("wn31-n-02085998").lemmas()).contains("canine");
        assertThatThrownBy(() -> WordNetLexicon.offsetOf("Q42")).isInstanceOf(InfuseException.class)
                .hasMessageContaining("wn31-n-");

        WordNetLexicon small = WordNetLexicon.load(new WordNetLexicon.Config(500, 80, 40, 60, 20, 30, 10, 25, 7L));
        assertThat(small.vocabulary()).hasSize(500);
        // The most frequent senses come first: the small vocabulary is part of the large one.
        assertThat(small.vocabulary()).allSatisfy(s -> assertThat(W.inVocabulary(s.offset())).isTrue());
        assertThat(small.wordPairs().train().size()).isLessThanOrEqualTo(80);
        assertThat(small.wordPairs().dev().size()).isLessThanOrEqualTo(40);
        assertThat(small.facts().train().size()).isLessThanOrEqualTo(60);
        assertThat(small.usageMentions().train()).hasSizeLessThanOrEqualTo(30);
        assertThat(small.usageMentions().dev()).hasSizeLessThanOrEqualTo(10);
        assertThat(small.hypernymProbe().factCount()).isLessThanOrEqualTo(25);
        assertThatThrownBy(() -> new WordNetLexicon.Config(0, 1, 1, 1, 1, 1, 1, 1, 1L)).isInstanceOf(InfuseException.class);
    }

    @Test
    void wordPairsHaveTheClassesTheSplitAndTheSentenceForm() {
        var pairs = W.wordPairs();
        assertThat(pairs.train().size()).isBetween(2_000, 3_200);
        assertThat(pairs.dev().size()).isBetween(500, 640);
        Map<String, Integer> perClass = new TreeMap<>();
        pairs.dev().forEach(r -> perClass.merge(r.relation(), 1, Integer::sum));
        assertThat(perClass.keySet()).containsExactlyInAnyOrderElementsOf(WordNetLexicon.PAIR_CLASSES);
        assertThat(perClass.values()).allSatisfy(n -> assertThat(n).isBetween(5, 80));
        for (RelationInstance r : pairs.dev()) {
            assertThat(WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(r.headId()))).as(r.id()).isTrue();
        }
        for (RelationInstance r : pairs.train()) {
            assertThat(WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(r.headId()))).as(r.id()).isFalse();
            assertThat(WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(r.tailId()))).as(r.id()).isFalse();
        }
        Set<String> ids = new HashSet<>();
        pairs.train().forEach(r -> assertThat(ids.add(r.id())).as(r.id()).isTrue());
        pairs.dev().forEach(r -> assertThat(ids.add(r.id())).as(r.id()).isTrue());
        for (RelationInstance r : pairs.train()) {
            WordNetLexicon.Synset h = W.synset(r.headId());
            WordNetLexicon.Synset t = W.synset(r.tailId());
            assertThat(r.tokens().subList(0, 3)).containsExactly("the", "relation", "of");
            assertThat(String.join(" ", r.headTokens())).isEqualTo(h.name());
            switch (r.relation()) {
                case "synonym" -> {
                    assertThat(t).isEqualTo(h);
                    assertThat(h.lemmas()).contains(String.join(" ", r.tailTokens()));
                    assertThat(r.tailTokens()).isNotEqualTo(r.headTokens());
                }
                case "unrelated" -> assertThat(h.links()).noneMatch(l -> l.target() == t.offset());
                default -> assertThat(h.links()).contains(new WordNetLexicon.Link(r.relation(), t.offset()));
            }
        }
    }

    @Test
    void knowledgeGraphHoldsNoEvaluatedFactInEitherDirection() {
        var graph = W.knowledgeGraph();
        Set<WordNetLexicon.Triple> triples = new HashSet<>(graph.triples());
        assertThat(triples).hasSameSizeAs(graph.triples());
        assertThat(graph.triples().size()).isGreaterThan(10_000);
        int checked = 0;
        for (RelationInstance r : W.wordPairs().dev()) {
            if (r.relation().equals("synonym") || r.relation().equals("unrelated")) {
                continue;
            }
            var t = new WordNetLexicon.Triple(r.headId(), r.relation(), r.tailId());
            assertThat(triples).doesNotContain(t, t.inverse());
            checked++;
        }
        for (LamaFact f : W.hypernymProbe().relations().get(0).facts()) {
            assertThat(triples).doesNotContain(new WordNetLexicon.Triple(f.subjectUri(), "hypernym", f.objectUri()),
                    new WordNetLexicon.Triple(f.objectUri(), "hyponym", f.subjectUri()));
            checked++;
        }
        assertThat(checked).isGreaterThan(1_000);
        // The excluded facts exist in WordNet: the exclusion removed something.
        var dev = W.wordPairs().dev().stream().filter(r -> r.relation().equals("hypernym")).findFirst().orElseThrow();
        assertThat(W.synset(dev.headId()).links()).contains(new WordNetLexicon.Link("hypernym", WordNetLexicon.offsetOf(dev.tailId())));
        // Held-out synsets keep their other edges.
        assertThat(graph.triples()).anyMatch(t -> WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(t.head())));
        assertThat(graph.triples()).allSatisfy(t -> {
            assertThat(graph.names()).containsKey(t.head());
            assertThat(graph.names()).containsKey(t.tail());
        });
        assertThat(graph.names()).containsEntry("wn31-n-02086723", "dog");
    }

    @Test
    void factsComeFromTrainingSynsetsOfTheGraph() {
        var facts = W.facts();
        assertThat(facts.train().size()).isBetween(1_500, 3_000);
        assertThat(facts.dev().size()).isBetween(100, 300);
        Set<WordNetLexicon.Triple> graph = new HashSet<>(W.knowledgeGraph().triples());
        Set<String> trainIds = new HashSet<>();
        facts.train().forEach(r -> trainIds.add(r.id()));
        for (RelationInstance r : facts.dev()) {
            assertThat(trainIds).doesNotContain(r.id());
        }
        for (RelationInstance r : concat(facts.train(), facts.dev())) {
            assertThat(graph).contains(new WordNetLexicon.Triple(r.headId(), r.relation(), r.tailId()));
            assertThat(WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(r.headId()))).isFalse();
            assertThat(WordNetSplit.isHeldOut(WordNetLexicon.offsetOf(r.tailId()))).isFalse();
        }
        assertThat(RelationInstanceLabels.of(facts.train())).contains("hypernym", "part-meronym", "antonym");
    }

    @Test
    void usageMentionsLinkTheirSynsetsLemma() {
        var m = W.usageMentions();
        assertThat(m.train()).hasSize(3_000);
        assertThat(m.dev()).hasSize(300);
        for (LinkedSentence s : concat(m.train(), m.dev())) {
            WordNetLexicon.Synset syn = W.synset(s.entityId());
            assertThat(syn.heldOut()).isFalse();
            assertThat(W.inVocabulary(syn.offset())).isTrue();
            String mention = String.join(" ", s.mentionTokens()).toLowerCase(java.util.Locale.ROOT);
            assertThat(syn.lemmas()).anyMatch(l -> mention.equals(l.toLowerCase(java.util.Locale.ROOT))
                    || mention.equals(l.toLowerCase(java.util.Locale.ROOT) + "s") || mention.equals(l.toLowerCase(java.util.Locale.ROOT) + "es"));
        }
    }

    @Test
    void hypernymProbeAsksHeldOutSynsetsForTheirFirstHypernym() {
        LamaProbe p = W.hypernymProbe();
        assertThat(p.relations()).hasSize(1);
        LamaRelation r = p.relations().get(0);
        assertThat(r.relation()).isEqualTo("hypernym");
        assertThat(r.template()).isEqualTo("[X] is a kind of [Y] .");
        assertThat(r.facts()).hasSize(800);
        assertThat(p.factsFolder()).isNull();
        for (LamaFact f : r.facts()) {
            WordNetLexicon.Synset s = W.synset(f.subjectUri());
            assertThat(s.heldOut()).isTrue();
            assertThat(f.subjectLabel()).isEqualTo(s.name());
            assertThat(f.objectLabel()).matches("[a-z]+").isNotEqualTo(f.subjectLabel());
            assertThat(s.links().stream().filter(l -> l.relation().equals("hypernym")).findFirst().orElseThrow().target())
                    .isEqualTo(WordNetLexicon.offsetOf(f.objectUri()));
        }
    }

    @Test
    void theFullGraphPutsTheProbeFactsBackAndChangesNothingElse() {
        var ablated = W.knowledgeGraph();
        var full = W.knowledgeGraphWithProbeFacts();
        assertThat(full.names()).isEqualTo(ablated.names());
        Set<WordNetLexicon.Triple> added = new HashSet<>(full.triples());
        assertThat(added).containsAll(ablated.triples());
        ablated.triples().forEach(added::remove);
        int kept = 0;
        for (LamaFact f : W.hypernymProbe().relations().get(0).facts()) {
            var t = new WordNetLexicon.Triple(f.subjectUri(), "hypernym", f.objectUri());
            if (W.inVocabulary(WordNetLexicon.offsetOf(f.objectUri()))) {
                assertThat(added).contains(t, t.inverse());
                kept++;
            } else {
                assertThat(added).doesNotContain(t);
            }
        }
        // Only probe facts (and their inverses) are added; most probe objects are vocabulary synsets.
        assertThat(added).hasSize(2 * kept);
        assertThat(kept).isGreaterThan(600);
        assertThat(W.knowledgeGraphWithProbeFacts()).isSameAs(full);
    }

    @Test
    void hypernymClozeAsksOnlyTrainingSynsetsAndNoEvaluatedFact() {
        var cloze = W.hypernymCloze();
        assertThat(cloze.train().size()).isGreaterThan(3_000);
        assertThat(cloze.dev()).hasSize(Math.min(800, (cloze.train().size() + cloze.dev().size()) / 10));
        Set<String> probeSubjects = new HashSet<>();
        W.hypernymProbe().relations().get(0).facts().forEach(f -> probeSubjects.add(f.subjectUri()));
        Set<WordNetLexicon.Triple> evaluated = W.evaluatedFacts();
        Set<String> trainSubjects = new HashSet<>();
        cloze.train().forEach(f -> trainSubjects.add(f.subjectUri()));
        for (LamaFact f : concat(cloze.train(), cloze.dev())) {
            assertThat(W.synset(f.subjectUri()).heldOut()).isFalse();
            assertThat(probeSubjects).doesNotContain(f.subjectUri());
            assertThat(evaluated).doesNotContain(new WordNetLexicon.Triple(f.subjectUri(), "hypernym", f.objectUri()));
            assertThat(f.objectLabel()).matches("[a-z]+").isNotEqualTo(f.subjectLabel());
            assertThat(f.predicateId()).isEqualTo("hypernym");
        }
        assertThat(cloze.dev()).noneMatch(f -> trainSubjects.contains(f.subjectUri()));
        // The filter matters: some training synsets' first hypernym is a development pair seen from its tail.
        long filtered = W.wordPairs().dev().stream().filter(r -> r.relation().equals("hyponym")
                && !W.synset(r.tailId()).heldOut()
                && W.synset(r.tailId()).links().stream().filter(l -> l.relation().equals("hypernym")).findFirst()
                        .map(l -> l.target() == WordNetLexicon.offsetOf(r.headId())).orElse(false)
                && W.synset(r.headId()).name().matches("[a-z]+")).count();
        assertThat(filtered).isGreaterThan(0);
    }

    @Test
    void everythingIsDeterministicAcrossLoads() {
        // A fresh lexicon over the same WordNet (another configuration object with equal values is cached, so
        // compare with a configuration that differs only in a field the compared outputs ignore).
        var other = WordNetLexicon.load(new WordNetLexicon.Config(12_000, 3_200, 640, 3_000, 300, 3_000, 300, 800, 31L));
        assertThat(other.wordPairs().train()).isEqualTo(W.wordPairs().train());
        var c = WordNetLexicon.Config.DEFAULT;
        var uncached = WordNetLexicon.load(new WordNetLexicon.Config(c.vocabularySize(), c.pairTrain(), c.pairDev(),
                c.factsTrain(), c.factsDev(), c.mentionTrain() + 1, c.mentionDev(), c.probeFacts(), c.seed()));
        assertThat(uncached).isNotSameAs(W);
        assertThat(uncached.wordPairs().train()).isEqualTo(W.wordPairs().train());
        assertThat(uncached.wordPairs().dev()).isEqualTo(W.wordPairs().dev());
        assertThat(uncached.knowledgeGraph().triples()).isEqualTo(W.knowledgeGraph().triples());
        assertThat(uncached.hypernymProbe().relations()).isEqualTo(W.hypernymProbe().relations());
        assertThat(uncached.facts().train()).isEqualTo(W.facts().train());
        var reseeded = WordNetLexicon.load(new WordNetLexicon.Config(c.vocabularySize(), c.pairTrain(), c.pairDev(),
                c.factsTrain(), c.factsDev(), c.mentionTrain(), c.mentionDev(), c.probeFacts(), c.seed() + 1));
        assertThat(reseeded.wordPairs().dev()).isNotEqualTo(W.wordPairs().dev());
        // The data seed never moves a synset across the split.
        assertThat(reseeded.wordPairs().dev()).allSatisfy(r -> assertThat(W.synset(r.headId()).heldOut()).isTrue());
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Distinct relations of instances. */
    private static final class RelationInstanceLabels {
        static Set<String> of(List<RelationInstance> r) {
            Set<String> out = new HashSet<>();
            r.forEach(x -> out.add(x.relation()));
            return out;
        }
    }
}
