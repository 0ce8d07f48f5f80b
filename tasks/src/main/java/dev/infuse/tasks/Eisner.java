package dev.infuse.tasks;

/**
 * Eisner's algorithm: the highest-scoring projective dependency tree with exactly one word attached
 * to the root, in O(n³). Argmax heads need not form a tree (cycles, several roots), which the UD
 * evaluation script rejects; these always do.
 */
public final class Eisner {
    private Eisner() {}

    /**
     * @param score {@code score[h][d]}: the score of head {@code h} (0 = root, k = word k) for word
     *     {@code d} (1..n); {@code score[d][d]} is ignored
     * @return the head of every word, {@code heads[d - 1]} in 0..n
     */
    public static int[] decode(double[][] score) {
        int n = score.length - 1;
        if (n == 0) {
            return new int[0];
        }
        // Spans over words 1..n; the root's single child is chosen at the end.
        double[][] cr = new double[n + 2][n + 2]; // s heads a complete span s..t
        double[][] cl = new double[n + 2][n + 2]; // t heads a complete span s..t
        double[][] ir = new double[n + 2][n + 2]; // arc s -> t, span incomplete
        double[][] il = new double[n + 2][n + 2]; // arc t -> s
        int[][] bcr = new int[n + 2][n + 2];
        int[][] bcl = new int[n + 2][n + 2];
        int[][] bi = new int[n + 2][n + 2];
        for (int k = 1; k < n; k++) {
            for (int s = 1; s + k <= n; s++) {
                int t = s + k;
                double best = Double.NEGATIVE_INFINITY;
                int arg = s;
                for (int q = s; q < t; q++) {
                    double v = cr[s][q] + cl[q + 1][t];
                    if (v > best) {
                        best = v;
                        arg = q;
                    }
                }
                ir[s][t] = best + score[s][t];
                il[s][t] = best + score[t][s];
                bi[s][t] = arg;
                best = Double.NEGATIVE_INFINITY;
                for (int q = s; q < t; q++) {
                    double v = cl[s][q] + il[q][t];
                    if (v > best) {
                        best = v;
                        arg = q;
                    }
                }
                cl[s][t] = best;
                bcl[s][t] = arg;
                best = Double.NEGATIVE_INFINITY;
                for (int q = s + 1; q <= t; q++) {
                    double v = ir[s][q] + cr[q][t];
                    if (v > best) {
                        best = v;
                        arg = q;
                    }
                }
                cr[s][t] = best;
                bcr[s][t] = arg;
            }
        }
        int root = 1;
        double best = Double.NEGATIVE_INFINITY;
        for (int r = 1; r <= n; r++) {
            double v = score[0][r] + cl[1][r] + cr[r][n];
            if (v > best) {
                best = v;
                root = r;
            }
        }
        int[] heads = new int[n];
        heads[root - 1] = 0;
        Tables t = new Tables(bcr, bcl, bi, heads);
        t.completeLeft(1, root);
        t.completeRight(root, n);
        return heads;
    }

    private record Tables(int[][] bcr, int[][] bcl, int[][] bi, int[] heads) {
        void completeRight(int s, int t) {
            if (s == t) {
                return;
            }
            int q = bcr[s][t];
            heads[q - 1] = s;
            incomplete(s, q);
            completeRight(q, t);
        }

        void completeLeft(int s, int t) {
            if (s == t) {
                return;
            }
            int q = bcl[s][t];
            heads[q - 1] = t;
            incomplete(q, t);
            completeLeft(s, q);
        }

        /** The inside of an arc between s and t (its direction already recorded in heads). */
        void incomplete(int s, int t) {
            int q = bi[s][t];
            completeRight(s, q);
            completeLeft(q + 1, t);
        }
    }
}
