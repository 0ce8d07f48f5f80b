package dev.infuse.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A LAMA probe read from one folder, or built in memory (e.g. {@link WordNetLexicon#hypernymProbe()}).
 *
 * @param relations relations whose fact file was found, in {@code relations.jsonl} order
 * @param missingRelations relations listed in {@code relations.jsonl} without a fact file
 * @param factsFolder the sub-folder the facts were read from, or {@code null} for a probe built in memory
 * @param report skips and notes by reason (see {@link Lama})
 */
public record LamaProbe(List<LamaRelation> relations, List<String> missingRelations, Path factsFolder,
        ReadReport report) {
    public LamaProbe {
        relations = List.copyOf(relations);
        missingRelations = List.copyOf(missingRelations);
        Objects.requireNonNull(report, "report");
    }

    /** Total number of facts over all relations. */
    public int factCount() {
        return relations.stream().mapToInt(r -> r.facts().size()).sum();
    }
}
