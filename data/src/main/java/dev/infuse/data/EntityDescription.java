package dev.infuse.data;

import java.util.Objects;

/**
 * One entity with its short description, the unit of KILM-style infilling.
 *
 * @param id stable entity id (the group key of the entity-level split), e.g. a WordNet offset
 * @param title the entity's name, e.g. {@code saxony}
 * @param description its short description, e.g. a WordNet definition; may be blank (such entities
 *     are skipped and counted when featurised)
 * @param context a sentence using the entity (a WordNet usage example), or empty: the bare title
 *     is the context then
 */
public record EntityDescription(String id, String title, String description, String context) {
    public EntityDescription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        description = description == null ? "" : description;
        context = context == null ? "" : context;
    }

    /** The same entity with another context sentence. */
    public EntityDescription withContext(String sentence) {
        return new EntityDescription(id, title, description, sentence);
    }
}
