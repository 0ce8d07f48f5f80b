package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * One LAMA fact.
 *
 * @param subjectLabel subject surface name ({@code sub_label})
 * @param objectLabel the answer ({@code obj_label})
 * @param subjectUri subject Wikidata id ({@code sub_uri}), or {@code null}
 * @param objectUri object Wikidata id ({@code obj_uri}), or {@code null}
 * @param predicateId relation id ({@code predicate_id}, else the relation the file belongs to)
 * @param maskedSentences evidence sentences with {@code [MASK]} in place of the object; may be empty
 * @param subjectSurfaces the subject's text in each evidence ({@code sub_surface}; "" when not given),
 *     aligned with {@code maskedSentences}, or empty
 * @param objectSurfaces the object's text each evidence masks ({@code obj_surface}; "" when not given),
 *     aligned with {@code maskedSentences}, or empty
 */
public record LamaFact(String subjectLabel, String objectLabel, String subjectUri, String objectUri,
        String predicateId, List<String> maskedSentences, List<String> subjectSurfaces, List<String> objectSurfaces) {
    public LamaFact {
        Objects.requireNonNull(subjectLabel, "subjectLabel");
        Objects.requireNonNull(objectLabel, "objectLabel");
        maskedSentences = List.copyOf(maskedSentences);
        subjectSurfaces = List.copyOf(subjectSurfaces);
        objectSurfaces = List.copyOf(objectSurfaces);
    }

    /** A fact without evidence surface forms. */
    public LamaFact(String subjectLabel, String objectLabel, String subjectUri, String objectUri, String predicateId,
            List<String> maskedSentences) {
        this(subjectLabel, objectLabel, subjectUri, objectUri, predicateId, maskedSentences, List.of(), List.of());
    }
}
