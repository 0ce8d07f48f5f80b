package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * One relation-classification example over a tokenised sentence (FewRel, T-REx-rc, TACRED).
 *
 * @param id identifier, unique within the file it came from
 * @param tokens the sentence tokens
 * @param head token span of the head (subject) entity, end exclusive
 * @param tail token span of the tail (object) entity, end exclusive
 * @param relation relation label (a Wikidata P-id for FewRel/T-REx, a TACRED label, ...)
 * @param headId knowledge-base id of the head entity (Wikidata Q-id), or {@code null} if unknown
 * @param tailId knowledge-base id of the tail entity, or {@code null} if unknown
 */
public record RelationInstance(String id, List<String> tokens, Span head, Span tail, String relation,
        String headId, String tailId) {
    public RelationInstance {
        Objects.requireNonNull(id, "id");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(tail, "tail");
        Objects.requireNonNull(relation, "relation");
        if (head.end() > tokens.size() || tail.end() > tokens.size()) {
            throw new IllegalArgumentException("entity span outside the " + tokens.size() + " tokens of " + id);
        }
    }

    /** The head mention's tokens. */
    public List<String> headTokens() {
        return tokens.subList(head.start(), head.end());
    }

    /** The tail mention's tokens. */
    public List<String> tailTokens() {
        return tokens.subList(tail.start(), tail.end());
    }
}
