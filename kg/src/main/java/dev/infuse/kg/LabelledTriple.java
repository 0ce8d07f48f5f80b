package dev.infuse.kg;

import dev.infuse.spi.InfuseException;

/**
 * A triple of entity and relation ids as strings, the in-memory counterpart of one line of a
 * labelled {@code head<TAB>relation<TAB>tail} file.
 */
public record LabelledTriple(String head, String relation, String tail) {
    /** Rejects null or blank parts with {@code data-format}. */
    public LabelledTriple {
        if (head == null || head.isBlank() || relation == null || relation.isBlank() || tail == null || tail.isBlank()) {
            throw new InfuseException("data-format", "triple (" + head + ", " + relation + ", " + tail
                    + ") has an empty part; expected non-blank head, relation and tail ids");
        }
    }
}
