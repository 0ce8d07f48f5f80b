package dev.infuse.stats;

import java.util.List;

/**
 * The paired comparison of system A against system B on one task: A's metric minus B's, averaged
 * over seed pairs, with its item-level bootstrap interval, the randomisation test's p-value (raw and
 * Holm-adjusted over every comparison of the analysis), the minimum detectable effect and, for
 * accuracy-type metrics, McNemar's exact test per seed pair, and the items whose prediction changed. Values are
 * fractions like the metric (multiply by 100 for points).
 *
 * <p>A comparison that could not be made (different tasks, splits or item sets; no items) carries
 * {@link #errorCode()} and {@link #error()} and NaN numbers, and takes no part in the Holm adjustment.
 *
 * @param id caller's identifier (e.g. {@code semeval: factual vs baseline})
 * @param relation why the pair is compared (e.g. {@code baseline}, {@code control}); free text
 * @param a label of system A (the one whose gain is measured)
 * @param b label of system B (the reference)
 * @param task task of both
 * @param split split of both
 * @param metric the metric's name
 * @param items number of paired items (seed pairs on different items: the size of the union of their item sets)
 * @param seedPairs number of seed pairs averaged
 * @param valueA A's metric, mean over its seeds
 * @param valueB B's metric, mean over its seeds
 * @param delta {@code valueA − valueB}
 * @param low lower end of the percentile bootstrap interval of {@code delta}
 * @param high upper end
 * @param sd bootstrap standard deviation of {@code delta} (item sampling)
 * @param p two-sided paired approximate-randomisation p-value
 * @param pHolm p adjusted by Holm–Bonferroni over every comparison of the analysis
 * @param significant whether {@code pHolm < alpha}
 * @param mde minimum detectable effect at the analysis' α and power, from {@code sd}
 * @param seedSd standard deviation of the per-seed-pair differences (NaN with one seed pair: unmeasured)
 * @param mcnemar McNemar's exact test per seed pair (accuracy-type metrics), else empty
 * @param changed the items A and B predict differently, per seed pair; empty when an item of either side records no
 *     prediction
 * @param errorCode error code when the comparison could not be made, else null
 * @param error message naming the runs, else null
 */
public record Comparison(String id, String relation, String a, String b, String task, String split, String metric,
        int items, int seedPairs, double valueA, double valueB, double delta, double low, double high, double sd, double p,
        double pHolm, boolean significant, double mde, double seedSd, List<McNemar> mcnemar, List<Changed> changed, String errorCode,
        String error) {

    public Comparison {
        mcnemar = List.copyOf(mcnemar);
        changed = List.copyOf(changed);
    }

    /**
     * McNemar's exact test on one seed pair.
     *
     * @param onlyA items only A got right
     * @param onlyB items only B got right
     * @param p exact two-sided p-value
     */
    public record McNemar(long onlyA, long onlyB, double p) {}

    /**
     * The paired items of one seed pair whose predictions differ ({@code predicted} compared by value): how far one
     * system moved the other's answers, which the metric alone does not show (a plug-in can change many answers and
     * leave the score where it was, or change none).
     *
     * @param items how many items A and B predict differently
     * @param onlyARight of those, how many only A got right; null when the items do not say what is right (no
     *     {@code correct} count)
     * @param onlyBRight of those, how many only B got right; null likewise
     */
    public record Changed(long items, Long onlyARight, Long onlyBRight) {}

    /**
     * The changed predictions summed over the seed pairs (only-A-right and only-B-right null unless every pair knows
     * them); null when they are not known.
     */
    public Changed changedOverSeeds() {
        if (changed.isEmpty()) {
            return null;
        }
        boolean right = changedRightKnown();
        return new Changed(changed.stream().mapToLong(Changed::items).sum(),
                right ? changed.stream().mapToLong(Changed::onlyARight).sum() : null,
                right ? changed.stream().mapToLong(Changed::onlyBRight).sum() : null);
    }

    /** The changed predictions summed over the seed pairs; -1 when they are not known. */
    public long changedTotal() {
        return changed.isEmpty() ? -1 : changedOverSeeds().items();
    }

    /** Whether every seed pair's changed predictions say how many only A and only B got right. */
    public boolean changedRightKnown() {
        return !changed.isEmpty() && changed.stream().allMatch(c -> c.onlyARight() != null);
    }

    /** Whether the comparison was made (no error). */
    public boolean ok() {
        return errorCode == null;
    }

    /** Whether seed variance was measured (at least two seed pairs). */
    public boolean seedVarianceMeasured() {
        return seedPairs > 1;
    }

    /** The largest McNemar p over the seed pairs (the most conservative cross-check), NaN when not applicable. */
    public double mcnemarP() {
        return mcnemar.stream().mapToDouble(McNemar::p).max().orElse(Double.NaN);
    }

    /**
     * Seeds per side needed to detect {@code targetMde} at the given α and power on this dev set;
     * {@link Tests#UNMEASURED} with one seed pair, {@link Tests#UNREACHABLE} when no seed count would do.
     */
    public int seedsFor(double targetMde, double alpha, double power) {
        if (!ok()) {
            return Tests.UNMEASURED;
        }
        // sd is the item spread of a mean over seedPairs seeds; seedSd the spread of one seed pair's difference.
        return Tests.seedsFor(targetMde, sd, seedPairs > 1 ? seedSd : Double.NaN, alpha, power);
    }

    static Comparison failed(String id, String relation, String a, String b, String code, String message) {
        return new Comparison(id, relation, a, b, null, null, null, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, false, Double.NaN, Double.NaN, List.of(), List.of(), code, message);
    }

    Comparison withHolm(double adjusted, double alpha) {
        return new Comparison(id, relation, a, b, task, split, metric, items, seedPairs, valueA, valueB, delta, low, high, sd, p,
                adjusted, adjusted < alpha, mde, seedSd, mcnemar, changed, errorCode, error);
    }
}
