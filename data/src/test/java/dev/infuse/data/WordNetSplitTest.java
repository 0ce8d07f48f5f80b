package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordNetSplitTest {

    @Test
    void ruleGivesTheRecordedSplit() {
        // Recorded values, computed outside Java (Python, 64-bit wrap-around arithmetic) from the
        // documented rule floorMod(Long.hashCode(offset * 0x9E3779B97F4A7C15L), 5) == 0: a changed rule
        // (constant, modulus, hash) moves these offsets and fails here.
        List<Long> held = new ArrayList<>();
        for (long o = 0; o < 60; o++) {
            if (WordNetSplit.isHeldOut(o)) {
                held.add(o);
            }
        }
        assertThat(held).containsExactly(0L, 4L, 16L, 27L, 39L, 41L, 46L, 53L, 54L);
        long count = 0;
        for (long o = 0; o < 5_000; o++) {
            count += WordNetSplit.isHeldOut(o) ? 1 : 0;
        }
        assertThat(count).isEqualTo(983);
        assertThat(WordNetSplit.isHeldOut(14499245L)).isTrue();
        assertThat(WordNetSplit.isHeldOut(2086723L)).isFalse();
        assertThat(WordNetSplit.isHeldOut(8769179L)).isFalse();
    }

    @Test
    void holdsOutAboutAFifthOfTheEmbeddedNouns() {
        var nouns = WordNetDescriptions.wordNet31Nouns().entities();
        long held = nouns.stream().filter(e -> WordNetSplit.isHeldOut(e.id())).count();
        assertThat((double) held / nouns.size()).isBetween(0.18, 0.22);
    }

    @Test
    void idsOfBothSourcesCarryTheirOffset() {
        assertThat(WordNetSplit.offsetOf("08769179")).isEqualTo(8769179L);
        assertThat(WordNetSplit.offsetOf("wn31-n-00001740")).isEqualTo(1740L);
        assertThat(WordNetSplit.isHeldOut("wn31-n-00001740")).isEqualTo(WordNetSplit.isHeldOut(1740L));
        for (String bad : new String[] {"paris-1x", "", "wn31-n-", "q42"}) {
            assertThatThrownBy(() -> WordNetSplit.offsetOf(bad)).isInstanceOf(InfuseException.class)
                    .hasMessageContaining("'" + bad + "'")
                    .extracting(x -> ((InfuseException) x).code()).isEqualTo("data-format");
        }
    }
}
