package dev.infuse.data;

import java.util.Objects;

/**
 * One SemEval-2010 Task 8 example.
 *
 * @param id the numeric sentence id, as text
 * @param text the sentence with the {@code <e1>}/{@code <e2>} markers removed (nothing else changed)
 * @param e1 character span of the first nominal in {@code text}, end exclusive
 * @param e2 character span of the second nominal in {@code text}, end exclusive
 * @param label one of {@link SemEval2010#LABELS}, or {@code null} for an unlabelled test sentence
 */
public record SemEvalExample(String id, String text, Span e1, Span e2, String label) {
    public SemEvalExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        if (e1.end() > text.length() || e2.end() > text.length()) {
            throw new IllegalArgumentException("entity span outside the text of " + id);
        }
    }

    /** The first nominal's text. */
    public String e1Text() {
        return text.substring(e1.start(), e1.end());
    }

    /** The second nominal's text. */
    public String e2Text() {
        return text.substring(e2.start(), e2.end());
    }
}
