package dev.infuse.data;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Entity descriptions read from a source, with what was skipped or noted, counted by reason
 * ({@code missing-description}, {@code malformed-line}, {@code context-from-wn18rr}, {@code context-from-wordnet31}).
 *
 * @param entities the entities, in source order
 * @param counts counts by reason, sorted
 */
public record Descriptions(List<EntityDescription> entities, Map<String, Long> counts) {
    public Descriptions {
        entities = List.copyOf(entities);
        counts = java.util.Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /** The count for one reason, 0 if it never happened. */
    public long count(String reason) {
        return counts.getOrDefault(reason, 0L);
    }
}
