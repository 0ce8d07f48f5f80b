package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.TokenizedText;
import org.junit.jupiter.api.Test;

class MultipleChoiceTest {
    private static TokenizedText text(String... tokens) {
        int n = tokens.length;
        int[] ids = new int[n];
        int[] types = new int[n];
        int segment = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = tokens[i].equals("[SEP]") ? 3 : 10 + i;
            types[i] = segment;
            if (tokens[i].equals("[SEP]")) {
                segment = 1;
            }
        }
        return new TokenizedText(ids, types, tokens, new int[n], new int[n]);
    }

    @Test
    void anOverlongPairLosesTheEndOfItsContextNeverTheAnswer() {
        TokenizedText t = text("[CLS]", "c1", "c2", "c3", "c4", "[SEP]", "q", "a", "[SEP]");
        TokenizedText cut = MultipleChoice.cutFirstSegment(t, 7, 3);
        assertThat(cut.tokens()).containsExactly("[CLS]", "c1", "c2", "[SEP]", "q", "a", "[SEP]");
        assertThat(cut.typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1);
        assertThat(MultipleChoice.cutFirstSegment(t, 9, 3)).isSameAs(t);
        // Segment B alone does not fit: returned unchanged, so the caller skips the question.
        assertThat(MultipleChoice.cutFirstSegment(t, 3, 3).length()).isEqualTo(9);
    }
}
