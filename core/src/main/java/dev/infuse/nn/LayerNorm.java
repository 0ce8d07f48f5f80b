package dev.infuse.nn;

import dev.infuse.spi.ModelScope;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Layer normalisation over the last axis with parameters {@code gamma} and {@code beta}
 * (BERT's names), computed as TensorFlow's {@code batch_normalization} does so that a BERT graph
 * built from it matches the original numerically.
 */
public final class LayerNorm {
    private LayerNorm() {}

    public static Operand<TFloat32> apply(ModelScope scope, String name, Operand<TFloat32> x, int size, float epsilon) {
        ModelScope s = scope.child(name);
        var tf = s.tf();
        Operand<TFloat32> gamma = s.parameter("gamma", new long[] {size}, Initializers.ones());
        Operand<TFloat32> beta = s.parameter("beta", new long[] {size}, Initializers.zeros());
        var axis = tf.constant(new int[] {-1});
        Operand<TFloat32> mean = tf.math.mean(x, axis, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> variance = tf.math.mean(tf.math.squaredDifference(x, mean), axis,
                org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> inv = tf.math.mul(tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))), gamma);
        return tf.math.add(tf.math.mul(x, inv), tf.math.sub(beta, tf.math.mul(mean, inv)));
    }
}
