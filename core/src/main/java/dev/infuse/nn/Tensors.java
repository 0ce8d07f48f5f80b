package dev.infuse.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/** Shape helpers for graphs whose batch size and sequence length are only known at run time. */
public final class Tensors {
    private Tensors() {}

    /** Dimension {@code axis} of {@code x} as a scalar int32 tensor. */
    public static Operand<TInt32> dim(Ops tf, Operand<? extends TType> x, int axis) {
        return tf.gather(tf.shape(x), tf.constant(axis), tf.constant(0));
    }

    /** Dimension {@code axis} of {@code x} as a 1-element vector, for building shapes. */
    public static Operand<TInt32> dimVector(Ops tf, Operand<? extends TType> x, int axis) {
        return tf.reshape(dim(tf, x, axis), tf.constant(new int[] {1}));
    }

    /**
     * Applies {@code x @ kernel} to the last axis of a tensor of any rank by flattening the leading
     * axes, which keeps the work in one large 2-D MatMul.
     */
    public static Operand<TFloat32> matMulLastAxis(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, int outDim) {
        Operand<TInt32> shape = tf.shape(x);
        Operand<TInt32> rank = tf.rank(x);
        Operand<TInt32> leading = tf.slice(shape, tf.constant(new int[] {0}),
                tf.reshape(tf.math.sub(rank, tf.constant(1)), tf.constant(new int[] {1})));
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, (int) inDim(kernel)}));
        Operand<TFloat32> y = tf.linalg.matMul(flat, kernel);
        return tf.reshape(y, tf.concat(java.util.List.of(leading, tf.constant(new int[] {outDim})), tf.constant(0)));
    }

    private static long inDim(Operand<TFloat32> kernel) {
        long d = kernel.shape().size(0);
        if (d < 0) {
            throw new IllegalArgumentException("kernel input dimension must be static");
        }
        return d;
    }
}
