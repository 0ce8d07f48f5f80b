package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsTest {
    private static final List<Integer> ITEMS = IntStream.range(0, 100).boxed().toList();

    @Test
    void sizesOrderAndDisjointness() {
        Splits.Split<Integer> s = Splits.trainDev(ITEMS, 0.2, 7, null);
        assertThat(s.dev()).hasSize(20);
        assertThat(s.train()).hasSize(80);
        assertThat(s.dev()).isSorted();
        assertThat(s.train()).isSorted();
        Set<Integer> all = new HashSet<>(s.train());
        all.addAll(s.dev());
        assertThat(all).hasSize(100);
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        assertThat(Splits.trainDev(ITEMS, 0.2, 7, null)).isEqualTo(Splits.trainDev(ITEMS, 0.2, 7, null));
        assertThat(Splits.trainDev(ITEMS, 0.2, 8, null).dev()).isNotEqualTo(Splits.trainDev(ITEMS, 0.2, 7, null).dev());
    }

    @Test
    void fixedSeedGivesAFixedSplit() {
        // Pinned: the rule (sorted keys, Fisher-Yates with SplittableRandom) must not drift between
        // runs, JVMs or refactorings, or saved experiments stop being comparable.
        List<String> items = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        assertThat(Splits.trainDev(items, 0.3, 42, s -> s).dev()).isEqualTo(PINNED_DEV);
    }

    private static final List<String> PINNED_DEV = List.of("d", "e", "h");

    @Test
    void groupsStayTogetherAndInputOrderDoesNotMatter() {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            items.add("Q" + (i % 12) + "#" + i);
        }
        Splits.Split<String> s = Splits.trainDev(items, 0.25, 3, x -> x.substring(0, x.indexOf('#')));
        Set<String> devGroups = new HashSet<>();
        s.dev().forEach(x -> devGroups.add(x.substring(0, x.indexOf('#'))));
        s.train().forEach(x -> assertThat(devGroups).doesNotContain(x.substring(0, x.indexOf('#'))));
        assertThat(s.dev()).hasSize(15); // 3 groups of 5
        List<String> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, new java.util.Random(1));
        Splits.Split<String> t = Splits.trainDev(shuffled, 0.25, 3, x -> x.substring(0, x.indexOf('#')));
        assertThat(new HashSet<>(t.dev())).isEqualTo(new HashSet<>(s.dev()));
    }

    @Test
    void edgeFractions() {
        assertThat(Splits.trainDev(ITEMS, 0, 1, null).dev()).isEmpty();
        assertThat(Splits.trainDev(ITEMS, 1, 1, null).train()).isEmpty();
        assertThatThrownBy(() -> Splits.trainDev(ITEMS, 1.5, 1, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
