package dev.infuse.data;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Precision@1 of a knowledge probe.
 *
 * @param perRelation P@1 per relation, sorted by relation
 * @param macroAverage mean of the per-relation values (LAMA's reported number)
 * @param microAverage correct facts over all facts
 */
public record ProbeScore(Map<String, Double> perRelation, double macroAverage, double microAverage) {
    public ProbeScore {
        perRelation = Collections.unmodifiableMap(new TreeMap<>(perRelation));
    }
}
