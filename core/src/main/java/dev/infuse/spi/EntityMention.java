package dev.infuse.spi;

/**
 * An entity mention in an example's text, as a task annotates it: a character span and, when the
 * data carries one, the entity's knowledge-base id (e.g. a Wikidata Q-id). Input-side adapters
 * use mentions to place pseudo-tokens (see {@link KnowledgeAdapter#mentionPrefix}).
 *
 * @param start first character (inclusive)
 * @param end last character (exclusive)
 * @param entityId knowledge-base id, or {@code null} when the data does not link the mention
 *     (an adapter may then link it by its {@code surface}, e.g. by exact match on entity names)
 * @param surface the mention's text
 */
public record EntityMention(int start, int end, String entityId, String surface) {
    public EntityMention {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad mention span [" + start + "," + end + ")");
        }
    }
}
