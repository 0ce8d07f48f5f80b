package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final double EPS = 1e-9;

    @Test
    void semEvalOfficialScoreFollowsThePerlScorer() {
        Map<String, String> gold = new LinkedHashMap<>();
        Map<String, String> pred = new LinkedHashMap<>();
        gold.put("1", "Cause-Effect(e1,e2)");
        pred.put("1", "Cause-Effect(e1,e2)"); // correct
        gold.put("2", "Cause-Effect(e2,e1)");
        pred.put("2", "Cause-Effect(e1,e2)"); // right type, wrong direction
        gold.put("3", "Component-Whole(e1,e2)");
        pred.put("3", "Other");
        gold.put("4", "Other");
        pred.put("4", "Component-Whole(e1,e2)");
        gold.put("5", "Component-Whole(e2,e1)");
        pred.put("5", "Component-Whole(e2,e1)"); // correct
        gold.put("6", "Entity-Origin(e1,e2)");
        pred.put("6", "Entity-Origin(e2,e1)"); // only a wrong direction: P = 0
        gold.put("7", "Message-Topic(e1,e2)"); // skipped
        SemEvalScore s = Metrics.semEval2010(gold, pred);
        // CE: correct 1 / (1 proposed + 1 wrong dir) = .5, R = 1/2; CW: 1/2, 1/2; EO: 0, 0; MT: 0, 0
        assertThat(s.perType().get("Cause-Effect")).isEqualTo(new Prf(0.5, 0.5, 0.5));
        assertThat(s.perType().get("Component-Whole")).isEqualTo(new Prf(0.5, 0.5, 0.5));
        assertThat(s.perType().get("Entity-Origin")).isEqualTo(new Prf(0, 0, 0));
        assertThat(s.perType().get("Message-Topic").f1()).isZero();
        assertThat(s.perType().get("Other")).isEqualTo(new Prf(0, 0, 0));
        assertThat(s.perType()).doesNotContainKey("Product-Producer");
        assertThat(s.macroF1()).isCloseTo(0.25, within(EPS)); // (0.5 + 0.5 + 0 + 0) / 4 types in the key
        assertThat(s.macroPrecision()).isCloseTo(0.25, within(EPS));
        assertThat(s.macroRecall()).isCloseTo(0.25, within(EPS));
    }

    @Test
    void semEvalPerfectAndErrors() {
        Map<String, String> gold = Map.of("1", "Other", "2", "Product-Producer(e2,e1)");
        assertThat(Metrics.semEval2010(gold, gold).macroF1()).isEqualTo(1.0);
        fails("data-mismatch", () -> Metrics.semEval2010(gold, Map.of("9", "Other")));
        fails("data-mismatch", () -> Metrics.semEval2010(gold, Map.of("1", "Bogus")));
        fails("data-mismatch", () -> Metrics.semEval2010(Map.of("1", "Other"), Map.of("1", "Other")));
    }

    @Test
    void tacredMicroExcludesNoRelation() {
        List<String> gold = List.of("a", "no_relation", "b", "a");
        List<String> pred = List.of("a", "a", "no_relation", "b");
        Prf p = Metrics.tacredMicro(gold, pred);
        assertThat(p.precision()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(p.recall()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(p.f1()).isCloseTo(1.0 / 3, within(EPS));
        Prf none = Metrics.tacredMicro(gold, List.of("no_relation", "no_relation", "no_relation", "no_relation"));
        assertThat(none).isEqualTo(new Prf(1.0, 0.0, 0.0));
        fails("data-mismatch", () -> Metrics.tacredMicro(gold, List.of("a")));
    }

    @Test
    void multiLabelMicroOverPairs() {
        List<Set<String>> gold = List.of(Set.of("person", "group"), Set.of(), Set.of("time"));
        List<Set<String>> pred = List.of(Set.of("person"), Set.of("event"), Set.of("time", "place"));
        Prf p = Metrics.multiLabelMicro(gold, pred);
        assertThat(p.precision()).isCloseTo(0.5, within(EPS));
        assertThat(p.recall()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(p.f1()).isCloseTo(2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3), within(EPS));
        assertThat(Metrics.multiLabelMicro(gold, List.of(Set.of(), Set.of(), Set.of()))).isEqualTo(new Prf(0, 0, 0));
    }

    @Test
    void uasWithAndWithoutPunctuation() {
        DependencySentence s = new DependencySentence(List.of("I", "go", "."), new int[] {2, 0, 2},
                List.of("nsubj", "root", "punct"), List.of());
        List<int[]> pred = List.of(new int[] {2, 0, 1});
        assertThat(Metrics.uas(List.of(s), pred, false)).isCloseTo(2.0 / 3, within(EPS));
        assertThat(Metrics.uas(List.of(s), pred, true)).isEqualTo(1.0);
        fails("data-mismatch", () -> Metrics.uas(List.of(s), List.of(new int[] {2, 0}), false));
    }

    @Test
    void precisionAtOnePerRelationAndAverages() {
        ProbeScore p = Metrics.precisionAtOne(List.of("P1", "P1", "P2"), List.of("a", "b", "c"), List.of("a", "x", "c"));
        assertThat(p.perRelation()).containsExactly(Map.entry("P1", 0.5), Map.entry("P2", 1.0));
        assertThat(p.macroAverage()).isCloseTo(0.75, within(EPS));
        assertThat(p.microAverage()).isCloseTo(2.0 / 3, within(EPS));
    }

    @Test
    void accuracyAndMacroF1() {
        List<String> gold = List.of("a", "a", "b", "c");
        List<String> pred = List.of("a", "b", "b", "b");
        assertThat(Metrics.accuracy(gold, pred)).isEqualTo(0.5);
        // a: P 1, R 1/2, F 2/3; b: P 1/3, R 1, F 1/2; c: never predicted, F 0
        assertThat(Metrics.macroF1(gold, pred)).isCloseTo((2.0 / 3 + 0.5 + 0) / 3, within(EPS));
        assertThat(Metrics.macroF1(gold, pred, List.of("a", "b"))).isCloseTo((2.0 / 3 + 0.5) / 2, within(EPS));
        assertThat(Metrics.perLabel(gold, pred).get("b").precision()).isCloseTo(1.0 / 3, within(EPS));
        fails("data-mismatch", () -> Metrics.accuracy(List.of(), List.of()));
    }
}
