package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutcomesTest {

    @Test
    void ratioIsCorrectOverTotal() {
        var o = new Outcomes("t", "dev", ItemMetric.of("uas", ItemMetric.Kind.RATIO), List.of(
                new ItemOutcome("s1", Map.of("correct", 3.0, "total", 4.0), null, null),
                new ItemOutcome("s2", Map.of("correct", 1.0, "total", 6.0), null, null)));
        assertThat(o.value()).isEqualTo(0.4);
        assertThat(o.metric().isAccuracyType(o.items())).isFalse();
    }

    @Test
    void macroRatioAveragesGroupsNotItems() {
        // relation a: 1 of 1 right; relation b: 1 of 3 right -> (1 + 1/3) / 2, not 2/4.
        var o = new Outcomes("lama", "dev", ItemMetric.of("p_at_1", ItemMetric.Kind.MACRO_RATIO), List.of(
                new ItemOutcome("1", Map.of("correct:a", 1.0, "total:a", 1.0), null, null),
                new ItemOutcome("2", Map.of("correct:b", 1.0, "total:b", 1.0), null, null),
                new ItemOutcome("3", Map.of("correct:b", 0.0, "total:b", 1.0), null, null),
                new ItemOutcome("4", Map.of("correct:b", 0.0, "total:b", 1.0), null, null)));
        assertThat(o.value()).isCloseTo((1 + 1 / 3.0) / 2, within(1e-12));
    }

    @Test
    void macroF1OverGoldOrPredictedClassesAndOverGoldOnly() {
        // gold A A B, predicted A C B: A p=1 r=.5 f=2/3; B f=1; C (predicted only) f=0.
        List<ItemOutcome> items = List.of(
                new ItemOutcome("1", Map.of("tp:A", 1.0, "pred:A", 1.0, "gold:A", 1.0), "A", "A"),
                new ItemOutcome("2", Map.of("pred:C", 1.0, "gold:A", 1.0), "C", "A"),
                new ItemOutcome("3", Map.of("tp:B", 1.0, "pred:B", 1.0, "gold:B", 1.0), "B", "B"));
        var sk = new Outcomes("t", "dev", ItemMetric.of("f1", ItemMetric.Kind.MACRO_F1), items);
        var gold = new Outcomes("t", "dev", ItemMetric.of("f1", ItemMetric.Kind.MACRO_F1_GOLD), items);
        var noB = new Outcomes("t", "dev", new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, Set.of("B")), items);
        assertThat(sk.value()).isCloseTo((2 / 3.0 + 1 + 0) / 3, within(1e-12));
        assertThat(gold.value()).isCloseTo((2 / 3.0 + 1) / 2, within(1e-12));
        assertThat(noB.value()).isCloseTo(2 / 3.0, within(1e-12));
    }

    @Test
    void microF1() {
        // tp 2, predicted 4, gold 3: p .5, r 2/3, f 4/7.
        var o = new Outcomes("t", "dev", ItemMetric.of("f1", ItemMetric.Kind.MICRO_F1), List.of(
                new ItemOutcome("1", Map.of("tp", 1.0, "pred", 2.0, "gold", 1.0), null, null),
                new ItemOutcome("2", Map.of("tp", 1.0, "pred", 2.0, "gold", 2.0), null, null)));
        assertThat(o.value()).isCloseTo(4 / 7.0, within(1e-12));
    }

    @Test
    void roundTripsThroughItsFile(@TempDir Path dir) {
        var o = new Outcomes("semeval", "dev", new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, Set.of("Other")), List.of(
                new ItemOutcome("8001", Map.of("tp:X", 1.0, "pred:X", 1.0, "gold:X", 1.0), "X(e1,e2)", "X(e1,e2)"),
                ItemOutcome.correct("8002", false, List.of("a", "b"), "c")));
        Path f = dir.resolve(Outcomes.FILE_NAME);
        o.write(f);
        Outcomes back = Outcomes.read(f);
        assertThat(back.task()).isEqualTo("semeval");
        assertThat(back.metric()).isEqualTo(o.metric());
        assertThat(back.items()).extracting(ItemOutcome::id).containsExactly("8001", "8002");
        assertThat(back.items().get(0).counts()).isEqualTo(o.items().get(0).counts());
        assertThat(back.items().get(1).predicted()).isEqualTo(List.of("a", "b"));
        assertThat(back.value()).isEqualTo(o.value());
    }

    @Test
    void badFilesNameFileAndField(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Outcomes.read(dir.resolve("none.json"))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("no per-item outcomes");
        Path f = dir.resolve("o.json");
        Files.writeString(f, "{\"format\":\"infuse-outcomes/1\",\"task\":\"t\",\"split\":\"dev\",\"metric\":{\"name\":\"f1\","
                + "\"kind\":\"median\"},\"items\":[]}");
        assertThatThrownBy(() -> Outcomes.read(f)).hasMessageContaining("metric.kind").hasMessageContaining("macro_f1");
        Files.writeString(f, "{\"format\":\"infuse-outcomes/1\",\"task\":\"t\",\"split\":\"dev\",\"metric\":{\"name\":\"f1\","
                + "\"kind\":\"ratio\"},\"items\":[{\"id\":\"1\",\"counts\":{\"correct\":\"x\"}}]}");
        assertThatThrownBy(() -> Outcomes.read(f)).hasMessageContaining("items[0].counts.correct");
        assertThatThrownBy(() -> new Outcomes("t", "dev", ItemMetric.of("a", ItemMetric.Kind.RATIO),
                List.of(ItemOutcome.correct("1", true, null, null), ItemOutcome.correct("1", true, null, null))))
                .hasMessageContaining("appears twice");
    }
}
