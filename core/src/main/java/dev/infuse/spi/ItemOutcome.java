package dev.infuse.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one evaluated item (a sentence, a query, an example) contributed to its task's metric: the
 * additive counts an {@link ItemMetric} sums (keys documented there), plus what was predicted and
 * what was gold, for people reading the file. Two cells evaluated on the same items are compared item
 * by item through these.
 *
 * @param id the item's id, unique within its split and stable across runs (pairing key)
 * @param counts additive counts, e.g. {@code {correct: 1, total: 1}}
 * @param predicted what the model answered (a label, a list, a token; any JSON-compatible value), or null
 * @param gold the expected answer, or null
 */
public record ItemOutcome(String id, Map<String, Double> counts, Object predicted, Object gold) {
    public ItemOutcome {
        Objects.requireNonNull(id, "id");
        counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** An item that is right or wrong as a whole (accuracy, P@1). */
    public static ItemOutcome correct(String id, boolean correct, Object predicted, Object gold) {
        return new ItemOutcome(id, Map.of("correct", correct ? 1.0 : 0.0, "total", 1.0), predicted, gold);
    }

    /** One count, 0 when absent. */
    public double count(String key) {
        Double v = counts.get(key);
        return v == null ? 0 : v;
    }
}
