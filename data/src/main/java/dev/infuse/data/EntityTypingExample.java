package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * One entity-typing example.
 *
 * @param id the example's annotation id, or {@code "line <n>"} when the file has none
 * @param tokens the sentence: left context, mention tokens, right context
 * @param mention token span of the mention in {@code tokens}, end exclusive
 * @param labels the labels kept after filtering (for Open Entity: the general types present, in
 *     {@link OpenEntity#GENERAL_TYPES} order); may be empty
 * @param rawLabels all labels as given in the file
 */
public record EntityTypingExample(String id, List<String> tokens, Span mention, List<String> labels,
        List<String> rawLabels) {
    public EntityTypingExample {
        Objects.requireNonNull(id, "id");
        tokens = List.copyOf(tokens);
        labels = List.copyOf(labels);
        rawLabels = List.copyOf(rawLabels);
        if (mention.end() > tokens.size()) {
            throw new IllegalArgumentException("mention span outside the tokens of " + id);
        }
    }

    /** The mention's tokens. */
    public List<String> mentionTokens() {
        return tokens.subList(mention.start(), mention.end());
    }
}
