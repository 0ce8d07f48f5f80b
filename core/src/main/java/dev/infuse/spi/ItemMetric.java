package dev.infuse.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A task's metric written as a function of <em>additive per-item counts</em>, so that it can be
 * recomputed exactly on any resample of the evaluated items (paired bootstrap, randomisation tests)
 * from the counts each item contributed: sum the counts of the items drawn, then call
 * {@link #value(Map)}. Every metric Infuse reports (accuracy, P@1, UAS, micro- and macro-F1, the
 * SemEval-2010 official score) has this form.
 *
 * <p>Count keys by kind ({@code c} a class or group name):
 * <ul>
 *   <li>{@link Kind#RATIO}: {@code correct}, {@code total} — accuracy, UAS, P@1 over all facts;
 *   <li>{@link Kind#MACRO_RATIO}: {@code correct:c}, {@code total:c} — the mean ratio over groups
 *       with a non-zero total (LAMA's P@1 averaged over relations);
 *   <li>{@link Kind#MICRO_F1}: {@code tp}, {@code pred}, {@code gold} — micro-F1 (multi-label typing,
 *       TACRED without {@code no_relation});
 *   <li>{@link Kind#MACRO_F1}: {@code tp:c}, {@code pred:c}, {@code gold:c} — mean F1 over the
 *       classes gold or predicted at least once (scikit-learn's {@code average="macro"});
 *   <li>{@link Kind#MACRO_F1_GOLD}: the same keys, mean over the classes present in the gold key
 *       (the SemEval-2010 Task 8 scorer).
 * </ul>
 * Classes or groups in {@link #excluded()} never enter a mean (e.g. SemEval's {@code Other}).
 * Values are fractions in [0, 1], like the figures in {@code metrics.json}.
 *
 * @param name the metric's key in {@code metrics.json} (e.g. {@code f1}, {@code p_at_1})
 * @param kind how the summed counts become the value
 * @param excluded classes or groups left out of macro averages
 */
public record ItemMetric(String name, Kind kind, Set<String> excluded) {

    /** How summed counts become the metric's value; see the class comment for the count keys. */
    public enum Kind {
        RATIO, MACRO_RATIO, MICRO_F1, MACRO_F1, MACRO_F1_GOLD;

        /** Lower-case name used in files ({@code macro_f1_gold}). */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The kind of a {@link #label()}, or {@code data-format} naming the accepted labels. */
        public static Kind parse(String label) {
            for (Kind k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            throw new InfuseException("data-format", "metric kind '" + label + "': expected one of ratio, macro_ratio, "
                    + "micro_f1, macro_f1, macro_f1_gold");
        }
    }

    public ItemMetric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        excluded = Set.copyOf(excluded == null ? Set.of() : excluded);
    }

    /** A metric with nothing excluded. */
    public static ItemMetric of(String name, Kind kind) {
        return new ItemMetric(name, kind, Set.of());
    }

    /** Whether each item is simply right or wrong (a {@link Kind#RATIO} whose items all have total 1): McNemar applies. */
    public boolean isAccuracyType(Iterable<ItemOutcome> items) {
        if (kind != Kind.RATIO) {
            return false;
        }
        for (ItemOutcome o : items) {
            if (o.count("total") != 1.0) {
                return false;
            }
        }
        return true;
    }

    /** The metric's value on summed counts; 0 where a denominator is 0. */
    public double value(Map<String, Double> totals) {
        return switch (kind) {
            case RATIO -> ratio(get(totals, "correct"), get(totals, "total"));
            case MACRO_RATIO -> {
                double sum = 0;
                int groups = 0;
                for (String g : groups(totals, "total:")) {
                    double total = get(totals, "total:" + g);
                    if (total > 0) {
                        sum += get(totals, "correct:" + g) / total;
                        groups++;
                    }
                }
                yield groups == 0 ? 0 : sum / groups;
            }
            case MICRO_F1 -> f1(get(totals, "tp"), get(totals, "pred"), get(totals, "gold"));
            case MACRO_F1, MACRO_F1_GOLD -> {
                Set<String> classes = groups(totals, "gold:");
                classes.addAll(groups(totals, "pred:"));
                double sum = 0;
                int n = 0;
                for (String c : classes) {
                    double gold = get(totals, "gold:" + c);
                    double pred = get(totals, "pred:" + c);
                    boolean present = kind == Kind.MACRO_F1_GOLD ? gold > 0 : gold + pred > 0;
                    if (present) {
                        sum += f1(get(totals, "tp:" + c), pred, gold);
                        n++;
                    }
                }
                yield n == 0 ? 0 : sum / n;
            }
        };
    }

    private Set<String> groups(Map<String, Double> totals, String prefix) {
        Set<String> out = new TreeSet<>();
        for (String k : totals.keySet()) {
            if (k.startsWith(prefix)) {
                String g = k.substring(prefix.length());
                if (!excluded.contains(g)) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    private static double get(Map<String, Double> totals, String key) {
        Double v = totals.get(key);
        return v == null ? 0 : v;
    }

    private static double ratio(double num, double den) {
        return den == 0 ? 0 : num / den;
    }

    /** F1 from true positives, predicted and gold counts (0 when precision + recall is 0). */
    static double f1(double tp, double pred, double gold) {
        double p = ratio(tp, pred);
        double r = ratio(tp, gold);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
