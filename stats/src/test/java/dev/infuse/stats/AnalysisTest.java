package dev.infuse.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Seeds, pairing, Holm across comparisons, determinism, and comparisons that cannot be made. */
class AnalysisTest {
    private static final ItemMetric ACC = ItemMetric.of("accuracy", ItemMetric.Kind.RATIO);

    private static Outcomes acc(String task, String split, boolean[] right) {
        List<ItemOutcome> items = new ArrayList<>();
        for (int i = 0; i < right.length; i++) {
            items.add(ItemOutcome.correct("i" + i, right[i], null, null));
        }
        return new Outcomes(task, split, ACC, items);
    }

    private static boolean[] random(SplittableRandom rng, int n, double p) {
        boolean[] b = new boolean[n];
        for (int i = 0; i < n; i++) {
            b[i] = rng.nextDouble() < p;
        }
        return b;
    }

    private static PairedStatistics.Arm arm(String label, Outcomes... runs) {
        List<PairedStatistics.Run> rs = new ArrayList<>();
        for (int i = 0; i < runs.length; i++) {
            rs.add(new PairedStatistics.Run(label + "/seed-" + (i + 1), runs[i]));
        }
        return new PairedStatistics.Arm(label, rs);
    }

    @Test
    void identicalSeedPairsGiveTheOneSeedAnswerAndZeroSeedSpread() {
        SplittableRandom rng = new SplittableRandom(1);
        Outcomes a = acc("t", "dev", random(rng, 300, 0.7));
        Outcomes b = acc("t", "dev", random(rng, 300, 0.6));
        PairedStatistics.Settings s = PairedStatistics.Settings.defaults().withResamples(2000);
        Comparison one = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a), arm("B", b))),
                s).comparisons().get(0);
        // The same runs twice: the same items resampled once per replicate, the difference averaged over
        // the two (equal) seed pairs: exactly the one-seed distribution.
        Comparison two = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a, a),
                arm("B", b, b))), s).comparisons().get(0);
        assertThat(two.delta()).isCloseTo(one.delta(), within(1e-12));
        assertThat(two.low()).isCloseTo(one.low(), within(1e-12));
        assertThat(two.high()).isCloseTo(one.high(), within(1e-12));
        assertThat(two.p()).isCloseTo(one.p(), within(1e-12));
        assertThat(two.seedPairs()).isEqualTo(2);
        assertThat(two.seedSd()).isEqualTo(0.0);
        assertThat(one.seedSd()).isNaN();
        assertThat(two.mcnemar()).hasSize(2);
        assertThat(one.seedsFor(0.05, 0.05, 0.8)).isEqualTo(Tests.UNMEASURED);
    }

    /** Labelled predictions, gold "g" everywhere: item i predicted {@code predicted[i]}. */
    private static Outcomes labelled(String... predicted) {
        List<ItemOutcome> items = new ArrayList<>();
        for (int i = 0; i < predicted.length; i++) {
            items.add(ItemOutcome.correct("i" + i, predicted[i].equals("g"), predicted[i], "g"));
        }
        return new Outcomes("t", "dev", ACC, items);
    }

    @Test
    void changedPredictionsAreCountedPerSeedPairWithWhoWasRight() {
        // Pair 1: i0 only B right, i2 only A right, i3 both wrong but different; pair 2: the same predictions.
        Outcomes a1 = labelled("x", "g", "g", "y", "z");
        Outcomes b1 = labelled("g", "g", "w", "w", "z");
        Outcomes same = labelled("g", "x", "g", "g", "g");
        PairedStatistics.Settings s = PairedStatistics.Settings.defaults().withResamples(200);
        Comparison c = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a1, same),
                arm("B", b1, same))), s).comparisons().get(0);
        assertThat(c.changed()).containsExactly(new Comparison.Changed(3, 1L, 1L), new Comparison.Changed(0, 0L, 0L));
        assertThat(c.changedTotal()).isEqualTo(3);
        assertThat(c.changedOverSeeds()).isEqualTo(new Comparison.Changed(3, 1L, 1L));
        assertThat(c.changedRightKnown()).isTrue();
        // A side that records no predictions: not known, not zero.
        SplittableRandom rng = new SplittableRandom(3);
        Comparison unknown = PairedStatistics.analyse(List.of(new PairedStatistics.Request("y", "baseline",
                arm("A", acc("t", "dev", random(rng, 5, 0.5))), arm("B", b1))), s).comparisons().get(0);
        assertThat(unknown.changed()).isEmpty();
        assertThat(unknown.changedTotal()).isEqualTo(-1);
        assertThat(unknown.changedOverSeeds()).isNull();
    }

    @Test
    void seedsArePairedByPositionAndAveraged() {
        SplittableRandom rng = new SplittableRandom(2);
        boolean[] b1 = random(rng, 400, 0.6);
        boolean[] b2 = random(rng, 400, 0.6);
        Outcomes a1 = acc("t", "dev", random(rng, 400, 0.7));
        Outcomes a2 = acc("t", "dev", random(rng, 400, 0.65));
        Comparison c = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a1, a2),
                arm("B", acc("t", "dev", b1), acc("t", "dev", b2)))), PairedStatistics.Settings.defaults().withResamples(2000))
                .comparisons().get(0);
        double d1 = a1.value() - acc("t", "dev", b1).value();
        double d2 = a2.value() - acc("t", "dev", b2).value();
        assertThat(c.delta()).isCloseTo((d1 + d2) / 2, within(1e-12));
        assertThat(c.valueA()).isCloseTo((a1.value() + a2.value()) / 2, within(1e-12));
        // Sample SD of two values: |d1 − d2| / sqrt(2).
        assertThat(c.seedSd()).isCloseTo(Math.abs(d1 - d2) / Math.sqrt(2), within(1e-12));
        assertThat(c.low()).isLessThan(c.delta());
        assertThat(c.high()).isGreaterThan(c.delta());
        assertThat(c.seedsFor(0.01, 0.05, 0.8)).isIn(Tests.UNREACHABLE, Tests.seedsFor(0.01, c.sd(), c.seedSd(), 0.05, 0.8));
    }

    @Test
    void holmRunsOverEveryComparisonAndResultsAreReproducible() {
        SplittableRandom rng = new SplittableRandom(3);
        Outcomes base = acc("t", "dev", random(rng, 500, 0.6));
        Outcomes strong = acc("t", "dev", random(rng, 500, 0.8));
        boolean[] near = new boolean[500];
        for (int i = 0; i < 500; i++) {
            near[i] = base.items().get(i).count("correct") == 1;
        }
        near[0] = !near[0];
        near[1] = !near[1];
        Outcomes same = acc("t", "dev", near); // the baseline with two items changed
        List<PairedStatistics.Request> rs = List.of(
                new PairedStatistics.Request("strong", "baseline", arm("strong", strong), arm("base", base)),
                new PairedStatistics.Request("same", "baseline", arm("same", same), arm("base", base)),
                new PairedStatistics.Request("strong-vs-same", "control", arm("strong", strong), arm("same", same)));
        PairedStatistics.Settings s = PairedStatistics.Settings.defaults().withResamples(3000);
        PairedStatistics.Analysis an = PairedStatistics.analyse(rs, s);
        double[] raw = an.comparisons().stream().mapToDouble(Comparison::p).toArray();
        double[] holm = Tests.holm(raw);
        for (int i = 0; i < 3; i++) {
            assertThat(an.comparisons().get(i).pHolm()).isEqualTo(holm[i]);
            assertThat(an.comparisons().get(i).significant()).isEqualTo(holm[i] < 0.05);
        }
        assertThat(an.comparisons().get(0).significant()).isTrue();
        assertThat(an.comparisons().get(1).significant()).isFalse();
        // Every run gets its own item-level interval around its value.
        PairedStatistics.RunInterval ri = an.runs().get("base/seed-1");
        assertThat(ri.value()).isCloseTo(base.value(), within(1e-12));
        assertThat(ri.low()).isLessThan(ri.value());
        assertThat(ri.high()).isGreaterThan(ri.value());
        assertThat(an.runs()).hasSize(3);
        // Same inputs, same settings: the same numbers, whatever the thread timing.
        assertThat(PairedStatistics.analyse(rs, s).comparisons()).isEqualTo(an.comparisons());
    }

    /** Accuracy outcomes on the items named {@code prefix + i}, i from {@code from}. */
    private static Outcomes accOn(String prefix, int from, boolean[] right) {
        List<ItemOutcome> items = new ArrayList<>();
        for (int i = 0; i < right.length; i++) {
            items.add(ItemOutcome.correct(prefix + (from + i), right[i], null, null));
        }
        return new Outcomes("t", "dev", ACC, items);
    }

    @Test
    void seedPairsOnTheirOwnItemsAreComparedOverTheUnionOfTheirItems() {
        // Each seed its own dev split (a seeded 10% of a training file): the pairs share some items, not all.
        SplittableRandom rng = new SplittableRandom(5);
        Outcomes a1 = accOn("i", 0, random(rng, 300, 0.8));
        Outcomes b1 = accOn("i", 0, random(rng, 300, 0.6));
        Outcomes a2 = accOn("i", 200, random(rng, 300, 0.8));
        Outcomes b2 = accOn("i", 200, random(rng, 300, 0.6));
        PairedStatistics.Settings s = PairedStatistics.Settings.defaults().withResamples(2000);
        Comparison c = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a1, a2),
                arm("B", b1, b2))), s).comparisons().get(0);
        assertThat(c.ok()).as(c.error()).isTrue();
        assertThat(c.items()).isEqualTo(500); // items 0..499: both splits
        assertThat(c.seedPairs()).isEqualTo(2);
        assertThat(c.delta()).isCloseTo((a1.value() - b1.value() + a2.value() - b2.value()) / 2, within(1e-12));
        assertThat(c.low()).isLessThan(c.delta());
        assertThat(c.high()).isGreaterThan(c.delta());
        assertThat(c.p()).isLessThan(0.01); // a 20-point difference on 300 items per seed
        assertThat(c.mcnemar()).hasSize(2).allSatisfy(m -> assertThat(m.onlyA() + m.onlyB()).isPositive().isLessThanOrEqualTo(300));
        // Its interval is about as wide as one seed's over 300 items divided by sqrt(2) (independent halves).
        Comparison one = PairedStatistics.analyse(List.of(new PairedStatistics.Request("x", "baseline", arm("A", a1),
                arm("B", b1))), s).comparisons().get(0);
        assertThat(c.high() - c.low()).isBetween(0.55 * (one.high() - one.low()), 0.9 * (one.high() - one.low()));

        // Within a seed pair the items must still be the same.
        Comparison bad = PairedStatistics.analyse(List.of(new PairedStatistics.Request("y", "baseline", arm("A", a1, a2),
                arm("B", b1, b1))), s).comparisons().get(0);
        assertThat(bad.errorCode()).isEqualTo("data-unpaired");
        assertThat(bad.error()).contains("B/seed-2", "A/seed-2", "item sets differ", "100 in common");
    }

    @Test
    void comparisonsThatCannotBeMadeNameTheRunsAndLeaveTheOthersIntact() {
        SplittableRandom rng = new SplittableRandom(4);
        Outcomes a = acc("semeval", "dev", random(rng, 50, 0.7));
        Outcomes b = acc("semeval", "dev", random(rng, 50, 0.6));
        Outcomes otherTask = acc("ud", "dev", random(rng, 50, 0.6));
        Outcomes otherSplit = acc("semeval", "test", random(rng, 50, 0.6));
        Outcomes fewer = acc("semeval", "dev", random(rng, 49, 0.6));
        Outcomes empty = new Outcomes("semeval", "dev", ACC, List.of());
        Outcomes macro = new Outcomes("semeval", "dev", ItemMetric.of("f1", ItemMetric.Kind.MACRO_F1),
                List.of(new ItemOutcome("i0", Map.of("tp:x", 1.0, "pred:x", 1.0, "gold:x", 1.0), null, null)));
        List<PairedStatistics.Request> rs = List.of(
                new PairedStatistics.Request("ok", "baseline", arm("a", a), arm("b", b)),
                new PairedStatistics.Request("task", "baseline", arm("a", a), arm("u", otherTask)),
                new PairedStatistics.Request("split", "baseline", arm("a", a), arm("s", otherSplit)),
                new PairedStatistics.Request("items", "baseline", arm("a", a), arm("f", fewer)),
                new PairedStatistics.Request("empty", "baseline", arm("e", empty), arm("e2", empty)),
                new PairedStatistics.Request("metric", "baseline", arm("a", a), arm("m", macro)),
                new PairedStatistics.Request("seeds", "baseline", arm("a", a, a), arm("b", b)));
        List<Comparison> cs = PairedStatistics.analyse(rs, PairedStatistics.Settings.defaults().withResamples(500)).comparisons();
        assertThat(cs.get(0).ok()).isTrue();
        assertThat(cs.get(1).errorCode()).isEqualTo("data-unpaired");
        assertThat(cs.get(1).error()).contains("u/seed-1", "a/seed-1", "task 'ud'");
        assertThat(cs.get(2).error()).contains("s/seed-1", "split 'test'");
        assertThat(cs.get(3).error()).contains("f/seed-1", "item sets differ", "49 vs 50");
        assertThat(cs.get(4).errorCode()).isEqualTo("data-no-items");
        assertThat(cs.get(4).error()).contains("e/seed-1");
        assertThat(cs.get(5).error()).contains("m/seed-1", "metric");
        assertThat(cs.get(6).error()).contains("a has 2 runs and b has 1 run");
        for (Comparison c : cs.subList(1, cs.size())) {
            assertThat(c.pHolm()).isNaN();
            assertThat(c.significant()).isFalse();
        }
        // Only the one valid comparison counts for Holm: its adjusted p is its raw p.
        assertThat(cs.get(0).pHolm()).isEqualTo(cs.get(0).p());
    }

    @Test
    void theCompiledMetricAgreesWithItemMetricOnRandomTotals() {
        SplittableRandom rng = new SplittableRandom(5);
        for (ItemMetric.Kind kind : ItemMetric.Kind.values()) {
            ItemMetric m = new ItemMetric("m", kind, java.util.Set.of("c0"));
            for (int trial = 0; trial < 200; trial++) {
                Map<String, Double> totals = new java.util.LinkedHashMap<>();
                for (String k : List.of("correct", "total", "tp", "pred", "gold")) {
                    if (rng.nextInt(4) > 0) {
                        totals.put(k, (double) rng.nextInt(5));
                    }
                }
                for (int c = 0; c < 4; c++) {
                    for (String k : List.of("correct:", "total:", "tp:", "pred:", "gold:")) {
                        if (rng.nextInt(3) > 0) {
                            totals.put(k + "c" + c, (double) rng.nextInt(4));
                        }
                    }
                }
                Map<String, Integer> index = new java.util.LinkedHashMap<>();
                totals.keySet().forEach(k -> index.put(k, index.size()));
                double[] t = new double[index.size()];
                totals.forEach((k, v) -> t[index.get(k)] = v);
                assertThat(new CompiledMetric(m, index).value(t)).as(kind + " " + totals).isCloseTo(m.value(totals), within(1e-12));
            }
        }
    }
}
