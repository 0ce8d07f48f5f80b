package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import org.junit.jupiter.api.Test;

class WordNetSplitTest {

    @Test
    void ruleIsTheDocumentedHashOfTheOffset() {
        for (long o = 0; o < 5_000; o++) {
            boolean expected = Math.floorMod(Long.hashCode(o * 0x9E3779B97F4A7C15L), 5) == 0;
            assertThat(WordNetSplit.isHeldOut(o)).isEqualTo(expected);
        }
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
