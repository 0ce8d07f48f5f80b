package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Eisner's decoder against brute force over every head assignment of short sentences. */
class EisnerTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    /** Whether heads form one tree under the root with a single root child, projective. */
    static boolean isProjectiveSingleRootTree(int[] heads) {
        int n = heads.length;
        int roots = 0;
        for (int d = 1; d <= n; d++) {
            if (heads[d - 1] == 0) {
                roots++;
            }
            // Reaches the root without a cycle.
            int x = d;
            for (int steps = 0; x != 0; steps++) {
                if (steps > n) {
                    return false;
                }
                x = heads[x - 1];
            }
        }
        if (roots != 1) {
            return false;
        }
        for (int d = 1; d <= n; d++) {
            int h = heads[d - 1];
            int lo = Math.min(h, d);
            int hi = Math.max(h, d);
            for (int k = lo + 1; k < hi; k++) {
                // Every word inside the arc descends from its head.
                int x = k;
                while (x != 0 && x != h) {
                    x = heads[x - 1];
                }
                if (x != h) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double total(double[][] score, int[] heads) {
        double s = 0;
        for (int d = 1; d <= heads.length; d++) {
            s += score[heads[d - 1]][d];
        }
        return s;
    }

    @Test
    void findsTheBestProjectiveSingleRootTree() {
        Random r = new Random(SEED);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(6);
            double[][] score = new double[n + 1][n + 1];
            for (double[] row : score) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = r.nextGaussian();
                }
            }
            int[] heads = Eisner.decode(score);
            String why = "seed " + SEED + " (rerun with -Dtests.seed=" + SEED + "), trial " + trial;
            assertThat(isProjectiveSingleRootTree(heads)).as(why).isTrue();
            double best = Double.NEGATIVE_INFINITY;
            int[] h = new int[n];
            int combos = (int) Math.pow(n + 1, n);
            for (int c = 0; c < combos; c++) {
                int x = c;
                for (int d = 0; d < n; d++) {
                    h[d] = x % (n + 1);
                    x /= n + 1;
                }
                boolean self = false;
                for (int d = 0; d < n; d++) {
                    self |= h[d] == d + 1;
                }
                if (!self && isProjectiveSingleRootTree(h)) {
                    best = Math.max(best, total(score, h));
                }
            }
            assertThat(total(score, heads)).as(why).isCloseTo(best, within(1e-9));
        }
    }
}
