package dev.infuse.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Calibration and power by simulation. Each simulated dev set has 200 items of varying difficulty
 * d_i ~ U(0.2, 0.8); system B is right on item i with probability d_i, system A with probability
 * d_i + effect, independently. Under the planted null (effect 0) the two differ only by noise, so a
 * test at α = 0.05 must reject about 5% of 1,000 comparisons; with the effect set to the MDE the
 * analysis reports, it must reject about 80% (its stated power).
 */
class SimulationTest {
    private static final int ITEMS = 200;
    private static final int COMPARISONS = 1000;
    /**
     * Items of the power simulation: the test's discreteness (accuracy moves in steps of 1/n, ties
     * count as extreme) costs about 1/(2·sqrt(n·discordance)) standard deviations of power, 1.5
     * points at 200 items, under one at 400.
     */
    private static final int POWER_ITEMS = 400;
    private static final ItemMetric ACCURACY = ItemMetric.of("accuracy", ItemMetric.Kind.RATIO);

    private static PairedStatistics.Request simulate(SplittableRandom rng, int k, double effect, int items) {
        List<ItemOutcome> a = new ArrayList<>();
        List<ItemOutcome> b = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            double d = 0.2 + 0.6 * rng.nextDouble();
            a.add(ItemOutcome.correct("i" + i, rng.nextDouble() < d + effect, null, null));
            b.add(ItemOutcome.correct("i" + i, rng.nextDouble() < d, null, null));
        }
        return request(k, new Outcomes("sim", "dev", ACCURACY, a), new Outcomes("sim", "dev", ACCURACY, b));
    }

    private static PairedStatistics.Request request(int k, Outcomes a, Outcomes b) {
        return new PairedStatistics.Request("sim-" + k, "baseline",
                new PairedStatistics.Arm("a" + k, List.of(new PairedStatistics.Run("a" + k, a))),
                new PairedStatistics.Arm("b" + k, List.of(new PairedStatistics.Run("b" + k, b))));
    }

    /** Runs the comparisons one by one (each its own family: no Holm across simulations). */
    private static List<Comparison> run(List<PairedStatistics.Request> requests, int resamples) {
        PairedStatistics.Settings s = PairedStatistics.Settings.defaults().withResamples(resamples);
        return requests.parallelStream().map(r -> PairedStatistics.analyse(List.of(r), s).comparisons().get(0)).toList();
    }

    @Test
    void falsePositiveRateUnderThePlantedNullIsNearAlpha() {
        SplittableRandom rng = new SplittableRandom(2026);
        List<PairedStatistics.Request> rs = new ArrayList<>();
        for (int k = 0; k < COMPARISONS; k++) {
            rs.add(simulate(rng, k, 0, ITEMS));
        }
        List<Comparison> cs = run(rs, 1000);
        double rate = cs.stream().filter(c -> c.p() < 0.05).count() / (double) COMPARISONS;
        assertThat(rate).isBetween(0.03, 0.07);
        // The 95% intervals cover the true difference (0) about 95% of the time.
        double coverage = cs.stream().filter(c -> c.low() <= 0 && c.high() >= 0).count() / (double) COMPARISONS;
        assertThat(coverage).isBetween(0.92, 0.98);
        // McNemar, the cross-check, is calibrated (conservative, being exact on a discrete law) as well.
        double mcnemar = cs.stream().filter(c -> c.mcnemarP() < 0.05).count() / (double) COMPARISONS;
        assertThat(mcnemar).isBetween(0.02, 0.07);
    }

    @Test
    void seedsWithTheirOwnDevSplitsAreCalibratedUnderThePlantedNull() {
        // As a seeded 10% split per seed: three seed pairs, each scored on its own 200 items drawn from a pool of 500
        // (so splits overlap), an item's difficulty the same in every split, each seed's systems drawn anew.
        SplittableRandom rng = new SplittableRandom(2027);
        List<PairedStatistics.Request> rs = new ArrayList<>();
        for (int k = 0; k < COMPARISONS; k++) {
            double[] difficulty = new double[500];
            for (int i = 0; i < difficulty.length; i++) {
                difficulty[i] = 0.2 + 0.6 * rng.nextDouble();
            }
            List<PairedStatistics.Run> a = new ArrayList<>();
            List<PairedStatistics.Run> b = new ArrayList<>();
            for (int seed = 1; seed <= 3; seed++) {
                List<Integer> pool = new ArrayList<>();
                for (int i = 0; i < difficulty.length; i++) {
                    pool.add(i);
                }
                java.util.Collections.shuffle(pool, new java.util.Random(rng.nextLong()));
                List<ItemOutcome> ia = new ArrayList<>();
                List<ItemOutcome> ib = new ArrayList<>();
                for (int i : pool.subList(0, ITEMS)) {
                    ia.add(ItemOutcome.correct("i" + i, rng.nextDouble() < difficulty[i], null, null));
                    ib.add(ItemOutcome.correct("i" + i, rng.nextDouble() < difficulty[i], null, null));
                }
                a.add(new PairedStatistics.Run("a" + k + "/seed-" + seed, new Outcomes("sim", "dev", ACCURACY, ia)));
                b.add(new PairedStatistics.Run("b" + k + "/seed-" + seed, new Outcomes("sim", "dev", ACCURACY, ib)));
            }
            rs.add(new PairedStatistics.Request("sim-" + k, "baseline", new PairedStatistics.Arm("a" + k, a),
                    new PairedStatistics.Arm("b" + k, b)));
        }
        List<Comparison> cs = run(rs, 1000);
        assertThat(cs).allSatisfy(c -> assertThat(c.ok()).as(c.error()).isTrue());
        assertThat(cs.get(0).items()).isBetween(ITEMS + 1, 3 * ITEMS); // the union of the three splits
        double rate = cs.stream().filter(c -> c.p() < 0.05).count() / (double) COMPARISONS;
        assertThat(rate).isBetween(0.03, 0.07);
        double coverage = cs.stream().filter(c -> c.low() <= 0 && c.high() >= 0).count() / (double) COMPARISONS;
        assertThat(coverage).isBetween(0.92, 0.98);
    }

    @Test
    void powerAtTheReportedMdeIsTheStatedEightyPercent() {
        // Pilot: the MDE the analysis reports for such dev sets, averaged over 100 of them.
        SplittableRandom pilot = new SplittableRandom(7);
        List<PairedStatistics.Request> ps = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            ps.add(simulate(pilot, k, 0.05, POWER_ITEMS));
        }
        double mde = run(ps, 2000).stream().mapToDouble(Comparison::mde).average().orElseThrow();
        assertThat(mde).isBetween(0.05, 0.2);
        // Plant exactly that effect and count how often the test finds it.
        SplittableRandom rng = new SplittableRandom(8);
        List<PairedStatistics.Request> rs = new ArrayList<>();
        for (int k = 0; k < COMPARISONS; k++) {
            rs.add(simulate(rng, k, mde, POWER_ITEMS));
        }
        List<Comparison> cs = run(rs, 1000);
        double power = cs.stream().filter(c -> c.p() < 0.05).count() / (double) COMPARISONS;
        System.out.printf("planted effect = MDE %.4f: power %.3f%n", mde, power);
        assertThat(power).isBetween(0.75, 0.85);
        // And the MDE reported on these dev sets agrees with the one planted.
        double reported = cs.stream().mapToDouble(Comparison::mde).average().orElseThrow();
        assertThat(reported).isBetween(0.95 * mde, 1.05 * mde);
    }

    @Test
    void macroF1UnderThePlantedNullIsCalibratedToo() {
        // Three classes; each system predicts the gold class with probability d_i, else a random other one.
        ItemMetric macro = ItemMetric.of("macro_f1", ItemMetric.Kind.MACRO_F1);
        String[] classes = {"x", "y", "z"};
        SplittableRandom rng = new SplittableRandom(99);
        List<PairedStatistics.Request> rs = new ArrayList<>();
        for (int k = 0; k < COMPARISONS; k++) {
            List<ItemOutcome> a = new ArrayList<>();
            List<ItemOutcome> b = new ArrayList<>();
            for (int i = 0; i < ITEMS; i++) {
                double d = 0.3 + 0.6 * rng.nextDouble();
                String gold = classes[rng.nextInt(3)];
                a.add(single("i" + i, rng.nextDouble() < d ? gold : classes[rng.nextInt(3)], gold));
                b.add(single("i" + i, rng.nextDouble() < d ? gold : classes[rng.nextInt(3)], gold));
            }
            rs.add(request(k, new Outcomes("sim", "dev", macro, a), new Outcomes("sim", "dev", macro, b)));
        }
        double rate = run(rs, 500).stream().filter(c -> c.p() < 0.05).count() / (double) COMPARISONS;
        assertThat(rate).isBetween(0.03, 0.07);
    }

    private static ItemOutcome single(String id, String pred, String gold) {
        java.util.Map<String, Double> c = new java.util.HashMap<>();
        c.merge("pred:" + pred, 1.0, Double::sum);
        c.merge("gold:" + gold, 1.0, Double::sum);
        if (pred.equals(gold)) {
            c.put("tp:" + gold, 1.0);
        }
        return new ItemOutcome(id, c, pred, gold);
    }
}
