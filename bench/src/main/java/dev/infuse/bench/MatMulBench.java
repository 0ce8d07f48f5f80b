package dev.infuse.bench;

import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The machine's dense-matrix limit as TensorFlow reaches it: chained n×n float products in one graph. */
final class MatMulBench {
    private MatMulBench() {}

    /** Mean and best-run GFLOP/s. */
    record Figures(double mean, double best) {}

    /** GFLOP/s over {@code runs} timed runs of {@code chain} products, after two warm-up runs. */
    static Figures measure(int n, int chain, int runs) {
        SplittableRandom random = new SplittableRandom(7);
        // Entries of variance 1/n keep the chained product's scale (no overflow, no denormals).
        double scale = Math.sqrt(3.0 / n);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * scale * Math.sqrt(n));
            b[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        try (Graph g = new Graph(); Session s = new Session(g);
                TFloat32 ta = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(a, true, false));
                TFloat32 tb = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(b, true, false))) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> pa = tf.placeholder(TFloat32.class);
            Placeholder<TFloat32> pb = tf.placeholder(TFloat32.class);
            Operand<TFloat32> x = pa;
            for (int i = 0; i < chain; i++) {
                x = tf.linalg.matMul(x, pb);
            }
            // Fetch one number so the measured time is the products, not a 16 MB copy.
            Operand<TFloat32> out = tf.slice(x, tf.constant(new int[] {0, 0}), tf.constant(new int[] {1, 1}));
            double best = 0;
            double total = 0;
            for (int r = -2; r < runs; r++) {
                long t0 = System.nanoTime();
                try (Result res = s.runner().feed(pa, ta).feed(pb, tb).fetch(out).run()) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (r >= 0) {
                        double gflops = 2.0 * n * n * (double) n * chain / seconds / 1e9;
                        total += seconds;
                        best = Math.max(best, gflops);
                        System.out.printf("  matmul run %d: %.2f s, %.1f GFLOP/s%n", r + 1, seconds, gflops);
                    }
                }
            }
            double mean = 2.0 * n * n * (double) n * chain * runs / total / 1e9;
            System.out.printf("  matmul: mean %.1f GFLOP/s, best run %.1f GFLOP/s%n", mean, best);
            return new Figures(mean, best);
        }
    }
}
