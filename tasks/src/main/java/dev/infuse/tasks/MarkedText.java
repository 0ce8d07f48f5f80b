package dev.infuse.tasks;

import dev.infuse.data.Span;
import java.util.List;

/**
 * Builds a sentence with entity markers around spans, remembering where each start marker is, so
 * the marker's token can be found after tokenisation.
 */
final class MarkedText {
    final String text;
    final int[] markerOffsets;

    private MarkedText(String text, int[] markerOffsets) {
        this.text = text;
        this.markerOffsets = markerOffsets;
    }

    /**
     * Joins {@code tokens} with spaces, wrapping token span {@code spans[k]} in {@code markers[k]}
     * (e.g. {@code @ subject @} and {@code # object #}).
     */
    static MarkedText ofTokens(List<String> tokens, Span[] spans, String[] markers) {
        StringBuilder s = new StringBuilder();
        int[] offsets = new int[spans.length];
        for (int i = 0; i < tokens.size(); i++) {
            for (int k = 0; k < spans.length; k++) {
                if (spans[k].start() == i) {
                    sep(s);
                    offsets[k] = s.length();
                    s.append(markers[k]);
                }
            }
            sep(s);
            s.append(tokens.get(i));
            for (int k = spans.length - 1; k >= 0; k--) {
                if (spans[k].end() - 1 == i) {
                    sep(s);
                    s.append(markers[k]);
                }
            }
        }
        return new MarkedText(s.toString(), offsets);
    }

    /** Inserts markers around character spans of {@code text}. */
    static MarkedText ofChars(String text, Span[] spans, String[] markers) {
        StringBuilder s = new StringBuilder();
        int[] offsets = new int[spans.length];
        for (int c = 0; c <= text.length(); c++) {
            for (int k = spans.length - 1; k >= 0; k--) {
                if (spans[k].end() == c) {
                    s.append(' ').append(markers[k]).append(' ');
                }
            }
            for (int k = 0; k < spans.length; k++) {
                if (spans[k].start() == c) {
                    s.append(' ');
                    offsets[k] = s.length();
                    s.append(markers[k]).append(' ');
                }
            }
            if (c < text.length()) {
                s.append(text.charAt(c));
            }
        }
        return new MarkedText(s.toString(), offsets);
    }

    private static void sep(StringBuilder s) {
        if (s.length() > 0) {
            s.append(' ');
        }
    }
}
