package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Metrics on random gold/prediction lists (seeded, see {@link RandomSeed}) against a brute-force
 * count with another formula (F1 = 2TP / (2TP + FP + FN)), and invariant under shuffling the
 * examples and renaming the labels.
 */
@ExtendWith(RandomSeed.class)
class RandomizedMetricsTest {
    private static final List<String> LABELS = List.of("no_relation", "a", "b", "c", "d", "e");

    private static List<String> gold(SplittableRandom r, int n, int labels) {
        List<String> g = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            g.add(LABELS.get(r.nextInt(labels)));
        }
        return g;
    }

    /** Predictions: right with a random skill, else any label, sometimes one that gold never has. */
    private static List<String> predict(SplittableRandom r, List<String> gold, int labels) {
        double skill = r.nextDouble();
        int pool = Math.min(LABELS.size(), labels + r.nextInt(2));
        List<String> p = new ArrayList<>();
        for (String g : gold) {
            p.add(r.nextDouble() < skill ? g : LABELS.get(r.nextInt(pool)));
        }
        return p;
    }

    /** tp, fp, fn of a label, counted one example at a time. */
    private static long[] counts(List<String> gold, List<String> pred, String label) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.size(); i++) {
            boolean g = gold.get(i).equals(label);
            boolean p = pred.get(i).equals(label);
            tp += g && p ? 1 : 0;
            fp += !g && p ? 1 : 0;
            fn += g && !p ? 1 : 0;
        }
        return new long[] {tp, fp, fn};
    }

    private static double f1(long tp, long fp, long fn) {
        return 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
    }

    @RepeatedTest(50)
    void singleLabelMetricsEqualABruteForceCount(SplittableRandom r) {
        int labels = 1 + r.nextInt(LABELS.size() - 1);
        int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 200); // short lists: labels seen only in gold or only in predictions
        List<String> gold = gold(r, n, labels);
        List<String> pred = predict(r, gold, labels);

        long same = 0;
        for (int i = 0; i < n; i++) {
            same += gold.get(i).equals(pred.get(i)) ? 1 : 0;
        }
        assertThat(Metrics.accuracy(gold, pred)).isCloseTo((double) same / n, within(1e-12));

        Set<String> seen = new LinkedHashSet<>(gold);
        seen.addAll(pred);
        Map<String, Prf> per = Metrics.perLabel(gold, pred);
        assertThat(per.keySet()).containsExactlyElementsOf(seen);
        double sum = 0;
        for (String l : seen) {
            long[] c = counts(gold, pred, l);
            assertThat(per.get(l).f1()).as("F1 of %s", l).isCloseTo(f1(c[0], c[1], c[2]), within(1e-12));
            assertThat(per.get(l).precision()).isCloseTo(c[0] + c[1] == 0 ? 0 : (double) c[0] / (c[0] + c[1]), within(1e-12));
            assertThat(per.get(l).recall()).isCloseTo(c[0] + c[2] == 0 ? 0 : (double) c[0] / (c[0] + c[2]), within(1e-12));
            sum += f1(c[0], c[1], c[2]);
        }
        assertThat(Metrics.macroF1(gold, pred)).isCloseTo(sum / seen.size(), within(1e-12));

        // TACRED micro: all labels but no_relation pooled
        long tp = 0;
        long guessed = 0;
        long golds = 0;
        for (int i = 0; i < n; i++) {
            guessed += pred.get(i).equals("no_relation") ? 0 : 1;
            golds += gold.get(i).equals("no_relation") ? 0 : 1;
            tp += !pred.get(i).equals("no_relation") && pred.get(i).equals(gold.get(i)) ? 1 : 0;
        }
        Prf micro = Metrics.tacredMicro(gold, pred);
        double p = guessed == 0 ? 1 : (double) tp / guessed;
        double rc = golds == 0 ? 0 : (double) tp / golds;
        assertThat(micro.precision()).isCloseTo(p, within(1e-12));
        assertThat(micro.recall()).isCloseTo(rc, within(1e-12));
        assertThat(micro.f1()).isCloseTo(p + rc == 0 ? 0 : 2 * p * rc / (p + rc), within(1e-12));

        // invariances: the order of examples, and the names of labels, do not matter
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(r.nextLong()));
        List<String> g2 = new ArrayList<>();
        List<String> p2 = new ArrayList<>();
        for (int i : order) {
            g2.add("renamed:" + gold.get(i));
            p2.add("renamed:" + pred.get(i));
        }
        assertThat(Metrics.macroF1(g2, p2)).isCloseTo(Metrics.macroF1(gold, pred), within(1e-12));
        assertThat(Metrics.accuracy(g2, p2)).isCloseTo(Metrics.accuracy(gold, pred), within(1e-12));
        assertThat(Metrics.microExcluding(g2, p2, "renamed:no_relation")).satisfies(m -> {
            assertThat(m.f1()).isCloseTo(micro.f1(), within(1e-12));
        });
    }

    @RepeatedTest(30)
    void precisionAtOneIsMicroAndMacroOverRelations(SplittableRandom r) {
        int n = 1 + r.nextInt(150);
        List<String> relations = new ArrayList<>();
        List<String> gold = new ArrayList<>();
        List<String> top1 = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            relations.add("P" + r.nextInt(1 + r.nextInt(6)));
            gold.add("w" + r.nextInt(4));
            top1.add("w" + r.nextInt(4));
        }
        ProbeScore s = Metrics.precisionAtOne(relations, gold, top1);
        Set<String> rels = new HashSet<>(relations);
        double macro = 0;
        long all = 0;
        for (String rel : rels) {
            long c = 0;
            long t = 0;
            for (int i = 0; i < n; i++) {
                if (relations.get(i).equals(rel)) {
                    t++;
                    c += gold.get(i).equals(top1.get(i)) ? 1 : 0;
                }
            }
            all += c;
            assertThat(s.perRelation().get(rel)).isCloseTo((double) c / t, within(1e-12));
            macro += (double) c / t;
        }
        assertThat(s.perRelation()).hasSize(rels.size());
        assertThat(s.macroAverage()).isCloseTo(macro / rels.size(), within(1e-12));
        assertThat(s.microAverage()).isCloseTo((double) all / n, within(1e-12));
    }

    @RepeatedTest(30)
    void multiLabelMicroCountsPairs(SplittableRandom r) {
        int n = 1 + r.nextInt(60);
        List<Set<String>> gold = new ArrayList<>();
        List<List<String>> pred = new ArrayList<>();
        long tp = 0;
        long g = 0;
        long p = 0;
        for (int i = 0; i < n; i++) {
            Set<String> gs = new HashSet<>();
            Set<String> ps = new HashSet<>();
            for (String l : LABELS) {
                if (r.nextInt(3) == 0) {
                    gs.add(l);
                }
                if (r.nextInt(3) == 0) {
                    ps.add(l);
                }
            }
            for (String l : LABELS) {
                tp += gs.contains(l) && ps.contains(l) ? 1 : 0;
            }
            g += gs.size();
            p += ps.size();
            gold.add(gs);
            List<String> withRepeats = new ArrayList<>(ps);
            if (!ps.isEmpty() && r.nextBoolean()) {
                withRepeats.add(withRepeats.get(0)); // a repeated prediction counts once
            }
            pred.add(withRepeats);
        }
        Prf m = Metrics.multiLabelMicro(gold, pred);
        assertThat(m.precision()).isCloseTo(p == 0 ? 0 : (double) tp / p, within(1e-12));
        assertThat(m.recall()).isCloseTo(g == 0 ? 0 : (double) tp / g, within(1e-12));
        assertThat(m.f1()).isCloseTo(f1(tp, p - tp, g - tp), within(1e-12));
    }
}
