package dev.infuse.nn;

import dev.infuse.spi.Initializer;
import dev.infuse.spi.ModelScope;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A fully connected layer {@code y = x W + b} over the last axis, with parameters {@code kernel}
 * {@code [in, out]} and {@code bias} {@code [out]} (TensorFlow's layout and names, so BERT
 * checkpoints map onto it directly).
 */
public final class Dense {
    private final Operand<TFloat32> kernel;
    private final Operand<TFloat32> bias;
    private final int out;

    /**
     * @param scope where {@code kernel} and {@code bias} are created
     */
    public Dense(ModelScope scope, int in, int out, Initializer kernelInit) {
        this.kernel = scope.parameter("kernel", new long[] {in, out}, kernelInit);
        this.bias = scope.parameter("bias", new long[] {out}, Initializers.zeros());
        this.out = out;
    }

    /** Applies the layer over the last axis of {@code x} (any rank). */
    public Operand<TFloat32> apply(ModelScope scope, Operand<TFloat32> x) {
        var tf = scope.tf();
        return tf.math.add(Tensors.matMulLastAxis(tf, x, kernel, out), bias);
    }

    /** Creates the layer in {@code scope.child(name)} and applies it once. */
    public static Operand<TFloat32> apply(ModelScope scope, String name, Operand<TFloat32> x, int in, int out,
            Initializer kernelInit) {
        ModelScope s = scope.child(name);
        return new Dense(s, in, out, kernelInit).apply(s, x);
    }
}
