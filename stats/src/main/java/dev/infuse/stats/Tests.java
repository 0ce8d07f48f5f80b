package dev.infuse.stats;

import java.util.Arrays;

/**
 * Closed-form pieces of the analysis: Holm–Bonferroni adjustment, McNemar's exact test, the normal
 * quantile, the minimum detectable effect and the seed-count advice. Pure functions, no state.
 */
public final class Tests {
    private Tests() {}

    /**
     * Holm–Bonferroni adjusted p-values (step-down, monotone): with the m p-values sorted ascending,
     * the i-th (1-based) becomes {@code max_{j ≤ i} min(1, (m − j + 1) p_(j))}. A hypothesis is
     * rejected at family-wise level α when its adjusted p is below α. NaN entries are ignored (and
     * stay NaN); they do not count towards m.
     */
    public static double[] holm(double[] p) {
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        Integer[] order = new Integer[p.length];
        int m = 0;
        for (int i = 0; i < p.length; i++) {
            if (!Double.isNaN(p[i])) {
                order[m++] = i;
            }
        }
        Integer[] valid = Arrays.copyOf(order, m);
        Arrays.sort(valid, (a, b) -> Double.compare(p[a], p[b]));
        double running = 0;
        for (int j = 0; j < m; j++) {
            double adj = Math.min(1, (m - j) * p[valid[j]]);
            running = Math.max(running, adj);
            out[valid[j]] = running;
        }
        return out;
    }

    /**
     * McNemar's exact two-sided p-value from the discordant pairs: {@code b} items only the first
     * system got right, {@code c} items only the second. Under the null each discordant item is a
     * fair coin, so {@code min(b, c)} is Binomial(b + c, 1/2) in the lower tail:
     * {@code p = min(1, 2 · P(X ≤ min(b, c)))}; 1 when there are no discordant items.
     */
    public static double mcnemarExact(long b, long c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("discordant counts must be non-negative: " + b + ", " + c);
        }
        long n = b + c;
        if (n == 0) {
            return 1;
        }
        long k = Math.min(b, c);
        // log pmf(0) = n log(1/2); pmf(j+1) = pmf(j) (n - j) / (j + 1); summed in log space (no underflow).
        double logPmf = n * Math.log(0.5);
        double logSum = logPmf;
        for (long j = 0; j < k; j++) {
            logPmf += Math.log((double) (n - j) / (j + 1));
            double hi = Math.max(logSum, logPmf);
            logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logPmf - hi));
        }
        return Math.min(1, 2 * Math.exp(logSum));
    }

    /**
     * The standard normal quantile Φ⁻¹(q) for 0 &lt; q &lt; 1 (Acklam's rational approximation, relative
     * error below 1.2e-9).
     */
    public static double normalQuantile(double q) {
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("quantile level must be in (0, 1): " + q);
        }
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double x;
        if (q < 0.02425) {
            double r = Math.sqrt(-2 * Math.log(q));
            x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
        } else if (q <= 1 - 0.02425) {
            double r = q - 0.5;
            double s = r * r;
            x = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r
                    / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
        } else {
            double r = Math.sqrt(-2 * Math.log(1 - q));
            x = -(((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
        }
        return x;
    }

    /** The standard normal CDF Φ(x) (fractional error below 1.2e-7). */
    public static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    private static double erfc(double x) {
        // Chebyshev-fitted exponential form of erfc (fractional error < 1.2e-7 everywhere).
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /**
     * The minimum detectable effect of a two-sided test at level α with the given power, for a
     * difference whose sampling standard deviation is {@code sd}: {@code (z_{1−α/2} + z_{power}) · sd}
     * (2.80 · sd at α = 0.05 and 80% power).
     */
    public static double minimumDetectableEffect(double sd, double alpha, double power) {
        return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * sd;
    }

    /** {@link #seedsFor}: seed variance was not measured (one seed per side). */
    public static final int UNMEASURED = 0;
    /** {@link #seedsFor}: no seed count reaches the target on this dev set (the item-level spread alone is too large). */
    public static final int UNREACHABLE = -1;

    /**
     * The smallest seed count S for which a seed-averaged difference reaches the target minimum
     * detectable effect, modelling its variance as {@code itemSd² + seedSd² / S}: the item-sampling
     * variance (bootstrap) plus the seed-to-seed variance of the per-seed differences, divided by the
     * number of seeds averaged. {@link #UNMEASURED} when {@code seedSd} is NaN, {@link #UNREACHABLE}
     * when even infinitely many seeds would not do (or more than 1,000 would be needed).
     */
    public static int seedsFor(double targetMde, double itemSd, double seedSd, double alpha, double power) {
        if (Double.isNaN(seedSd)) {
            return UNMEASURED;
        }
        double z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
        double budget = (targetMde / z) * (targetMde / z) - itemSd * itemSd;
        if (budget <= 0) {
            return UNREACHABLE;
        }
        double s = Math.ceil(seedSd * seedSd / budget - 1e-12);
        if (s > 1000) {
            return UNREACHABLE;
        }
        return (int) Math.max(1, s);
    }
}
