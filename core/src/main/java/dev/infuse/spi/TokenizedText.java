package dev.infuse.spi;

import java.util.Arrays;

/**
 * A tokenised text with the character span of every token in the original string. Special tokens
 * inserted by the tokenizer ({@code [CLS]}, {@code [SEP]}) have the empty span {@code [0,0)}.
 *
 * @param ids token ids
 * @param typeIds segment ids (0 for the first text, 1 for the second)
 * @param tokens token strings
 * @param charStart start offset (inclusive) of each token in the text
 * @param charEnd end offset (exclusive) of each token in the text
 */
public record TokenizedText(int[] ids, int[] typeIds, String[] tokens, int[] charStart, int[] charEnd) {

    public int length() {
        return ids.length;
    }

    /**
     * The tokens covering the character span {@code [start, end)}.
     *
     * @return {@code {firstToken, lastToken + 1}}, or {@code null} if no token overlaps the span
     */
    public int[] tokenSpan(int start, int end) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < ids.length; i++) {
            if (charEnd[i] > charStart[i] && charStart[i] < end && charEnd[i] > start) {
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        return first < 0 ? null : new int[] {first, last + 1};
    }

    @Override
    public String toString() {
        return Arrays.toString(tokens);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedText t && Arrays.equals(ids, t.ids) && Arrays.equals(typeIds, t.typeIds)
                && Arrays.equals(charStart, t.charStart) && Arrays.equals(charEnd, t.charEnd);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(charStart);
    }
}
