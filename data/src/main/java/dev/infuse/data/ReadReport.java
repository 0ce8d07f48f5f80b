package dev.infuse.data;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a reader skipped or noted while reading, as counts by reason (e.g.
 * {@code "object-label-filtered" -> 12}). Reasons are stable, lower-case and hyphenated; each
 * reader documents the ones it uses.
 */
public final class ReadReport {
    private final Map<String, Long> counts;

    private ReadReport(Map<String, Long> counts) {
        this.counts = Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /** A report with nothing in it. */
    public static ReadReport empty() {
        return new ReadReport(Map.of());
    }

    /** Counts by reason, sorted by reason. */
    public Map<String, Long> counts() {
        return counts;
    }

    /** The count for one reason, 0 if it never happened. */
    public long count(String reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** Whether nothing was counted. */
    public boolean isEmpty() {
        return counts.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReadReport r && r.counts.equals(counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public String toString() {
        return "ReadReport" + counts;
    }

    /** Mutable tally used while reading. */
    static final class Tally {
        private final Map<String, Long> counts = new TreeMap<>();

        void add(String reason) {
            counts.merge(reason, 1L, Long::sum);
        }

        ReadReport report() {
            return new ReadReport(counts);
        }
    }
}
