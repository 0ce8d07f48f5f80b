package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * A tokenised sentence with one mention linked to a knowledge-base entity (e.g. a WordNet usage
 * example with the occurrence of its synset's lemma).
 *
 * @param id identifier, unique within its data set
 * @param tokens the sentence tokens
 * @param mention token span of the mention, end exclusive
 * @param entityId the linked entity's id
 */
public record LinkedSentence(String id, List<String> tokens, Span mention, String entityId) {
    public LinkedSentence {
        Objects.requireNonNull(id, "id");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(mention, "mention");
        Objects.requireNonNull(entityId, "entityId");
        if (mention.end() > tokens.size() || mention.length() == 0) {
            throw new IllegalArgumentException("mention " + mention + " is empty or outside the " + tokens.size()
                    + " tokens of " + id);
        }
    }

    /** The mention's tokens. */
    public List<String> mentionTokens() {
        return tokens.subList(mention.start(), mention.end());
    }
}
