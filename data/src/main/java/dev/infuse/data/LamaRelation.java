package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * One LAMA relation with its template and facts.
 *
 * @param relation relation id, e.g. {@code P19}
 * @param template cloze template with one {@code [X]} (subject) and one {@code [Y]} (object), or
 *     {@code null} for a corpus without templates (ConceptNet, SQuAD): each fact is then asked as its
 *     first masked sentence
 * @param label human-readable name, or {@code null}
 * @param type cardinality type such as {@code N-1}, or {@code null}
 * @param facts the facts kept after filtering, in file order
 */
public record LamaRelation(String relation, String template, String label, String type, List<LamaFact> facts) {
    public LamaRelation {
        Objects.requireNonNull(relation, "relation");
        facts = List.copyOf(facts);
    }

    /** The template with {@code [X]} replaced by the subject and {@code [Y]} by {@code mask}. */
    public String cloze(String subject, String mask) {
        return template.replace("[X]", subject).replace("[Y]", mask);
    }
}
