package dev.infuse.data;

/**
 * Precision, recall and F1, each a fraction in {@code [0, 1]}.
 *
 * @param precision correct / predicted
 * @param recall correct / gold
 * @param f1 harmonic mean of precision and recall, 0 when both are 0
 */
public record Prf(double precision, double recall, double f1) {
    /** F1 of the given precision and recall (0 when both are 0). */
    public static Prf of(double precision, double recall) {
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Prf(precision, recall, f1);
    }

    /** From counts; a zero denominator gives 0. */
    public static Prf ofCounts(long correct, long predicted, long gold) {
        return of(predicted == 0 ? 0 : (double) correct / predicted, gold == 0 ? 0 : (double) correct / gold);
    }
}
