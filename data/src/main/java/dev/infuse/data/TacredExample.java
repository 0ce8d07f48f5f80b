package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * One TACRED example.
 *
 * @param id TACRED id
 * @param tokens sentence tokens
 * @param subject subject token span, end exclusive (TACRED's inclusive end + 1)
 * @param object object token span, end exclusive
 * @param relation relation label, {@code no_relation} for negatives
 * @param subjectType NER type of the subject, e.g. {@code PERSON}
 * @param objectType NER type of the object
 */
public record TacredExample(String id, List<String> tokens, Span subject, Span object, String relation,
        String subjectType, String objectType) {
    public TacredExample {
        Objects.requireNonNull(id, "id");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(relation, "relation");
    }

    /** As a {@link RelationInstance} (head = subject, tail = object, no entity ids). */
    public RelationInstance toRelationInstance() {
        return new RelationInstance(id, tokens, subject, object, relation, null, null);
    }
}
