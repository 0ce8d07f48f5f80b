package dev.infuse.stats;

import dev.infuse.spi.ItemMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An {@link ItemMetric} compiled against a fixed key index, so that its value on summed counts is
 * computed from a {@code double[]} without maps or boxing. Gives exactly {@link ItemMetric#value(Map)}
 * on the same totals (same class/group set, same presence rules, same zero conventions).
 */
final class CompiledMetric {
    private final ItemMetric.Kind kind;
    /** RATIO: {correct, total}; MICRO_F1: {tp, pred, gold}; -1 when the key never occurs. */
    private final int[] scalar;
    /** MACRO_RATIO: per group {correct, total}; MACRO_F1*: per class {tp, pred, gold}; -1 when absent. */
    private final int[][] groups;

    CompiledMetric(ItemMetric metric, Map<String, Integer> keys) {
        this.kind = metric.kind();
        switch (kind) {
            case RATIO -> {
                scalar = new int[] {idx(keys, "correct"), idx(keys, "total")};
                groups = new int[0][];
            }
            case MICRO_F1 -> {
                scalar = new int[] {idx(keys, "tp"), idx(keys, "pred"), idx(keys, "gold")};
                groups = new int[0][];
            }
            case MACRO_RATIO -> {
                scalar = new int[0];
                List<int[]> g = new ArrayList<>();
                for (String name : names(keys, metric, "total:")) {
                    g.add(new int[] {idx(keys, "correct:" + name), idx(keys, "total:" + name)});
                }
                groups = g.toArray(new int[0][]);
            }
            case MACRO_F1, MACRO_F1_GOLD -> {
                scalar = new int[0];
                TreeSet<String> classes = names(keys, metric, "gold:");
                classes.addAll(names(keys, metric, "pred:"));
                List<int[]> g = new ArrayList<>();
                for (String c : classes) {
                    g.add(new int[] {idx(keys, "tp:" + c), idx(keys, "pred:" + c), idx(keys, "gold:" + c)});
                }
                groups = g.toArray(new int[0][]);
            }
            default -> throw new AssertionError(kind);
        }
    }

    private static int idx(Map<String, Integer> keys, String key) {
        Integer i = keys.get(key);
        return i == null ? -1 : i;
    }

    private static TreeSet<String> names(Map<String, Integer> keys, ItemMetric metric, String prefix) {
        TreeSet<String> out = new TreeSet<>();
        for (String k : keys.keySet()) {
            if (k.startsWith(prefix)) {
                String g = k.substring(prefix.length());
                if (!metric.excluded().contains(g)) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    private static double get(double[] t, int off, int i) {
        return i < 0 ? 0 : t[off + i];
    }

    /** The metric on summed counts {@code t} (indexed by the key index this was compiled with). */
    double value(double[] t) {
        return value(t, 0);
    }

    /** The metric on the summed counts at {@code t[off ..]} (several runs' totals side by side in one array). */
    double value(double[] t, int off) {
        switch (kind) {
            case RATIO:
                return ratio(get(t, off, scalar[0]), get(t, off, scalar[1]));
            case MICRO_F1:
                return f1(get(t, off, scalar[0]), get(t, off, scalar[1]), get(t, off, scalar[2]));
            case MACRO_RATIO: {
                double sum = 0;
                int n = 0;
                for (int[] g : groups) {
                    double total = get(t, off, g[1]);
                    if (total > 0) {
                        sum += get(t, off, g[0]) / total;
                        n++;
                    }
                }
                return n == 0 ? 0 : sum / n;
            }
            default: {
                boolean goldOnly = kind == ItemMetric.Kind.MACRO_F1_GOLD;
                double sum = 0;
                int n = 0;
                for (int[] g : groups) {
                    double pred = get(t, off, g[1]);
                    double gold = get(t, off, g[2]);
                    if (goldOnly ? gold > 0 : gold + pred > 0) {
                        sum += f1(get(t, off, g[0]), pred, gold);
                        n++;
                    }
                }
                return n == 0 ? 0 : sum / n;
            }
        }
    }

    private static double ratio(double num, double den) {
        return den == 0 ? 0 : num / den;
    }

    static double f1(double tp, double pred, double gold) {
        double p = ratio(tp, pred);
        double r = ratio(tp, gold);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
