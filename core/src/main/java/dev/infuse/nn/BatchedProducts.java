package dev.infuse.nn;

import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TType;

/**
 * Batched matrix products (attention's {@code q kᵀ} and {@code p v}) as TensorFlow's oneDNN build runs them
 * fastest. {@code tf.train.batchMatMul} builds {@code BatchMatMulV3}, which the oneDNN graph rewrite leaves
 * to the Eigen kernel; {@code BatchMatMulV2} (same semantics for equal input and output types) becomes
 * oneDNN's kernel, which on an avx512_bf16 CPU ran a bf16 training step's forward attention products in
 * 4.1 ms instead of about 25 (docs/BENCHMARKS.md §8.4).
 * Both have gradients (the gradient's products stay {@code BatchMatMulV3}: TensorFlow's gradient function
 * builds them). {@code -Dinfuse.batchMatMul=v3} builds the forward products as before, for A/B runs.
 */
public final class BatchedProducts {
    private BatchedProducts() {}

    /**
     * {@code x · y} (or {@code x · yᵀ}) over the leading batch dimensions, broadcasting them.
     *
     * @param adjointY whether to transpose the last two dimensions of {@code y}
     */
    public static <T extends TType> Operand<T> matMul(Ops tf, Operand<T> x, Operand<T> y, boolean adjointY) {
        if (V3) {
            return tf.train.batchMatMul(x, y, x.type(), org.tensorflow.op.train.BatchMatMul.adjY(adjointY));
        }
        Output<T> out = tf.scope().opBuilder("BatchMatMulV2", "BatchMatMulV2").addInput(x.asOutput()).addInput(y.asOutput())
                .setAttr("adj_x", false).setAttr("adj_y", adjointY).build().output(0);
        return out;
    }

    /** {@code -Dinfuse.batchMatMul=v3}: the Eigen kernel, for A/B measurements. */
    private static final boolean V3 = "v3".equals(System.getProperty("infuse.batchMatMul"));
}
