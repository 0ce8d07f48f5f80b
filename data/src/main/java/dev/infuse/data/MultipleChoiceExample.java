package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * A multiple-choice question: a context, a question and candidate answers, one of them right.
 *
 * @param label index of the right answer in {@code choices}
 */
public record MultipleChoiceExample(String id, String context, String question, List<String> choices, int label) {
    public MultipleChoiceExample {
        Objects.requireNonNull(id, "id");
        choices = List.copyOf(choices);
        if (label < 0 || label >= choices.size()) {
            throw new IllegalArgumentException("label " + label + " outside the " + choices.size() + " choices of " + id);
        }
    }
}
