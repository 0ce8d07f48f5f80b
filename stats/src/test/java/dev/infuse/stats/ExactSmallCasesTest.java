package dev.infuse.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Tiny cases, one per metric kind, whose exact bootstrap distribution is enumerated here: with n = 5
 * items every one of the 5^5 = 3,125 ordered draws is equally likely, so the exact 2.5% and 97.5%
 * quantiles (inverse-CDF) and the exact SD of the difference follow by counting. The metric of a draw
 * is computed in this test from the items' predicted and gold answers (precision, recall, F1 by their
 * definitions), never from the implementation's counts. The exact randomisation p enumerates all
 * 2^5 swaps likewise.
 */
class ExactSmallCasesTest {
    private static final int N = 5;

    /** A single-label item: predicted and gold labels. */
    record Label(String predicted, String gold) {}

    @Test
    void accuracy() {
        boolean[] a = {true, true, true, false, true};
        boolean[] b = {true, false, false, false, true};
        List<ItemOutcome> ia = new ArrayList<>();
        List<ItemOutcome> ib = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ia.add(ItemOutcome.correct("i" + i, a[i], null, null));
            ib.add(ItemOutcome.correct("i" + i, b[i], null, null));
        }
        ItemMetric m = ItemMetric.of("accuracy", ItemMetric.Kind.RATIO);
        check(m, ia, ib, draw -> {
            double ca = 0;
            double cb = 0;
            for (int i : draw) {
                ca += a[i] ? 1 : 0;
                cb += b[i] ? 1 : 0;
            }
            return (ca - cb) / draw.length;
        }, swap -> exactDelta(draw(), i -> (swap[i] ? b[i] : a[i]) ? 1 : 0, i -> (swap[i] ? a[i] : b[i]) ? 1 : 0));
        // McNemar on the same pair: only A right on items 1 and 2, only B right on none: p = 2 · (1/2)^2 = 1/2.
        Comparison c = analyse(m, ia, ib, 1000);
        assertThat(c.mcnemar()).hasSize(1);
        assertThat(c.mcnemar().get(0).onlyA()).isEqualTo(2);
        assertThat(c.mcnemar().get(0).onlyB()).isEqualTo(0);
        assertThat(c.mcnemar().get(0).p()).isCloseTo(0.5, within(1e-12));
    }

    private static double exactDelta(int[] draw, java.util.function.IntToDoubleFunction x, java.util.function.IntToDoubleFunction y) {
        double s = 0;
        for (int i : draw) {
            s += x.applyAsDouble(i) - y.applyAsDouble(i);
        }
        return s / draw.length;
    }

    private static int[] draw() {
        return new int[] {0, 1, 2, 3, 4};
    }

    @Test
    void macroRatioOverGroups() {
        // Items with several facts each, in groups r1 and r2: (correct, total) per item and its group.
        String[] group = {"r1", "r1", "r2", "r2", "r2"};
        int[][] a = {{2, 3}, {1, 1}, {0, 2}, {3, 4}, {1, 1}};
        int[][] b = {{1, 3}, {1, 1}, {1, 2}, {1, 4}, {0, 1}};
        List<ItemOutcome> ia = new ArrayList<>();
        List<ItemOutcome> ib = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ia.add(new ItemOutcome("i" + i, Map.of("correct:" + group[i], (double) a[i][0], "total:" + group[i], (double) a[i][1]),
                    null, null));
            ib.add(new ItemOutcome("i" + i, Map.of("correct:" + group[i], (double) b[i][0], "total:" + group[i], (double) b[i][1]),
                    null, null));
        }
        ItemMetric m = ItemMetric.of("p_at_1", ItemMetric.Kind.MACRO_RATIO);
        check(m, ia, ib, draw -> macroRatio(draw, group, a) - macroRatio(draw, group, b),
                swap -> macroRatio(draw(), group, pick(a, b, swap)) - macroRatio(draw(), group, pick(b, a, swap)));
    }

    private static int[][] pick(int[][] x, int[][] y, boolean[] swap) {
        int[][] out = new int[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = swap[i] ? y[i] : x[i];
        }
        return out;
    }

    /** Mean over the groups drawn of (facts right / facts) in that group. */
    private static double macroRatio(int[] draw, String[] group, int[][] ct) {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (int i : draw) {
            double[] s = g.computeIfAbsent(group[i], k -> new double[2]);
            s[0] += ct[i][0];
            s[1] += ct[i][1];
        }
        return g.values().stream().mapToDouble(s -> s[0] / s[1]).average().orElse(0);
    }

    @Test
    void microF1OfMultiLabelTyping() {
        String[][] gold = {{"person"}, {"person", "artist"}, {"place"}, {"org"}, {"place", "city"}};
        String[][] a = {{"person"}, {"person"}, {"place", "city"}, {}, {"place", "city"}};
        String[][] b = {{"person", "org"}, {"artist"}, {"org"}, {"org"}, {"place"}};
        List<ItemOutcome> ia = new ArrayList<>();
        List<ItemOutcome> ib = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ia.add(typing("i" + i, a[i], gold[i]));
            ib.add(typing("i" + i, b[i], gold[i]));
        }
        ItemMetric m = ItemMetric.of("micro_f1", ItemMetric.Kind.MICRO_F1);
        check(m, ia, ib, draw -> microF1(draw, a, gold) - microF1(draw, b, gold),
                swap -> microF1(draw(), pickS(a, b, swap), gold) - microF1(draw(), pickS(b, a, swap), gold));
    }

    private static String[][] pickS(String[][] x, String[][] y, boolean[] swap) {
        String[][] out = new String[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = swap[i] ? y[i] : x[i];
        }
        return out;
    }

    private static ItemOutcome typing(String id, String[] pred, String[] gold) {
        Set<String> g = new HashSet<>(Arrays.asList(gold));
        long tp = Arrays.stream(pred).filter(g::contains).count();
        return new ItemOutcome(id, Map.of("tp", (double) tp, "pred", (double) pred.length, "gold", (double) gold.length),
                List.of(pred), List.of(gold));
    }

    /** Micro-F1: precision = right labels / predicted labels, recall = right labels / gold labels, pooled over the draw. */
    private static double microF1(int[] draw, String[][] pred, String[][] gold) {
        double right = 0;
        double predicted = 0;
        double expected = 0;
        for (int i : draw) {
            Set<String> g = new HashSet<>(Arrays.asList(gold[i]));
            for (String p : pred[i]) {
                right += g.contains(p) ? 1 : 0;
            }
            predicted += pred[i].length;
            expected += gold[i].length;
        }
        return harmonic(predicted == 0 ? 0 : right / predicted, expected == 0 ? 0 : right / expected);
    }

    private static double harmonic(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    @Test
    void macroF1OverClassesGoldOrPredicted() {
        String[] gold = {"A", "B", "B", "C", "A"};
        String[] a = {"A", "B", "C", "C", "A"};
        String[] b = {"B", "B", "B", "A", "A"};
        labels(ItemMetric.of("macro_f1", ItemMetric.Kind.MACRO_F1), gold, a, b, false, Set.of());
    }

    @Test
    void macroF1OverGoldClassesWithOtherExcluded() {
        // SemEval-style: the mean runs over classes present in the gold of the draw, 'Other' left out.
        String[] gold = {"Cause", "Other", "Cause", "Part", "Part"};
        String[] a = {"Cause", "Other", "Part", "Part", "Part"};
        String[] b = {"Other", "Cause", "Cause", "Part", "Other"};
        labels(new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, Set.of("Other")), gold, a, b, true, Set.of("Other"));
    }

    private void labels(ItemMetric m, String[] gold, String[] a, String[] b, boolean goldOnly, Set<String> excluded) {
        List<ItemOutcome> ia = new ArrayList<>();
        List<ItemOutcome> ib = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ia.add(single("i" + i, a[i], gold[i]));
            ib.add(single("i" + i, b[i], gold[i]));
        }
        check(m, ia, ib, draw -> macroF1(draw, a, gold, goldOnly, excluded) - macroF1(draw, b, gold, goldOnly, excluded),
                swap -> {
                    String[] x = new String[N];
                    String[] y = new String[N];
                    for (int i = 0; i < N; i++) {
                        x[i] = swap[i] ? b[i] : a[i];
                        y[i] = swap[i] ? a[i] : b[i];
                    }
                    return macroF1(draw(), x, gold, goldOnly, excluded) - macroF1(draw(), y, gold, goldOnly, excluded);
                });
    }

    private static ItemOutcome single(String id, String pred, String gold) {
        Map<String, Double> c = new HashMap<>();
        c.merge("pred:" + pred, 1.0, Double::sum);
        c.merge("gold:" + gold, 1.0, Double::sum);
        if (pred.equals(gold)) {
            c.put("tp:" + gold, 1.0);
        }
        return new ItemOutcome(id, c, pred, gold);
    }

    /** Per class: precision over the draw's predictions of it, recall over its gold items; mean F1 over the classes present. */
    private static double macroF1(int[] draw, String[] pred, String[] gold, boolean goldOnly, Set<String> excluded) {
        Set<String> classes = new java.util.TreeSet<>();
        for (int i : draw) {
            classes.add(gold[i]);
            if (!goldOnly) {
                classes.add(pred[i]);
            }
        }
        classes.removeAll(excluded);
        double sum = 0;
        for (String c : classes) {
            double tp = 0;
            double np = 0;
            double ng = 0;
            for (int i : draw) {
                tp += pred[i].equals(c) && gold[i].equals(c) ? 1 : 0;
                np += pred[i].equals(c) ? 1 : 0;
                ng += gold[i].equals(c) ? 1 : 0;
            }
            sum += harmonic(np == 0 ? 0 : tp / np, ng == 0 ? 0 : tp / ng);
        }
        return classes.isEmpty() ? 0 : sum / classes.size();
    }

    private static Comparison analyse(ItemMetric m, List<ItemOutcome> a, List<ItemOutcome> b, int resamples) {
        Outcomes oa = new Outcomes("t", "dev", m, a);
        Outcomes ob = new Outcomes("t", "dev", m, b);
        return PairedStatistics.analyse(List.of(new PairedStatistics.Request("a vs b", "baseline",
                new PairedStatistics.Arm("a", List.of(new PairedStatistics.Run("a", oa))),
                new PairedStatistics.Arm("b", List.of(new PairedStatistics.Run("b", ob))))),
                PairedStatistics.Settings.defaults().withResamples(resamples)).comparisons().get(0);
    }

    /**
     * Enumerates every ordered draw (exact bootstrap) and every swap pattern (exact randomisation),
     * then checks the implementation's Monte Carlo answers against them.
     */
    private void check(ItemMetric m, List<ItemOutcome> a, List<ItemOutcome> b, ToDoubleFunction<int[]> deltaOfDraw,
            ToDoubleFunction<boolean[]> deltaOfSwap) {
        int total = (int) Math.pow(N, N);
        double[] exact = new double[total];
        int[] draw = new int[N];
        for (int code = 0; code < total; code++) {
            int c = code;
            for (int j = 0; j < N; j++) {
                draw[j] = c % N;
                c /= N;
            }
            exact[code] = deltaOfDraw.applyAsDouble(draw);
        }
        Arrays.sort(exact);
        double lo = exact[(int) Math.ceil(0.025 * total) - 1];
        double hi = exact[(int) Math.ceil(0.975 * total) - 1];
        double mean = Arrays.stream(exact).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(exact).map(x -> (x - mean) * (x - mean)).sum() / (total - 1));

        int[] all = draw();
        double observed = deltaOfDraw.applyAsDouble(all);
        int swaps = 1 << N;
        int extreme = 0;
        for (int s = 0; s < swaps; s++) {
            boolean[] swap = new boolean[N];
            for (int i = 0; i < N; i++) {
                swap[i] = (s >> i & 1) != 0;
            }
            if (Math.abs(deltaOfSwap.applyAsDouble(swap)) >= Math.abs(observed) - 1e-12) {
                extreme++;
            }
        }
        double exactP = (double) extreme / swaps;

        Comparison c = analyse(m, a, b, 100_000);
        assertThat(c.ok()).isTrue();
        assertThat(c.delta()).isCloseTo(observed, within(1e-12));
        // The exact law is discrete: the Monte Carlo endpoint must be an atom at which the exact CDF
        // crosses 2.5% (97.5%), up to Monte Carlo error (standard error 0.0005 at 100,000 draws; 0.003
        // allowed). Where the exact CDF jumps clearly across the level, that is exactly the exact quantile.
        assertQuantile(exact, c.low(), 0.025, lo);
        assertQuantile(exact, c.high(), 0.975, hi);
        assertThat(c.sd()).isCloseTo(sd, within(0.01 * sd + 1e-9));
        // Monte Carlo p over 100,000 rounds: standard error below 0.0016.
        assertThat(c.p()).isCloseTo(exactP, within(0.006));
        assertThat(c.items()).isEqualTo(N);
        assertThat(c.seedPairs()).isEqualTo(1);
        assertThat(c.seedSd()).isNaN();
        assertThat(c.mde()).isCloseTo(2.801585218 * c.sd(), within(1e-6));
    }

    private static void assertQuantile(double[] exact, double mc, double level, double exactQuantile) {
        assertThat(Arrays.stream(exact).anyMatch(v -> Math.abs(v - mc) < 1e-12)).as("an atom of the exact law").isTrue();
        assertThat(cdfBelow(exact, mc)).isLessThanOrEqualTo(level + 0.003);
        assertThat(cdfAtMost(exact, mc)).isGreaterThanOrEqualTo(level - 0.003);
        if (cdfBelow(exact, exactQuantile) < level - 0.003 && cdfAtMost(exact, exactQuantile) > level + 0.003) {
            assertThat(mc).isCloseTo(exactQuantile, within(1e-12));
        }
    }

    private static double cdfBelow(double[] sorted, double x) {
        return Arrays.stream(sorted).filter(v -> v < x - 1e-12).count() / (double) sorted.length;
    }

    private static double cdfAtMost(double[] sorted, double x) {
        return Arrays.stream(sorted).filter(v -> v <= x + 1e-12).count() / (double) sorted.length;
    }
}
