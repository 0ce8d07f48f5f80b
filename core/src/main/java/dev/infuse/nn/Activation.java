package dev.infuse.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Activation functions by configuration name. */
public enum Activation {
    /** Exact GELU, {@code x * Phi(x)} via {@code erf}. */
    GELU,
    /** GELU's tanh approximation, as in Google's original BERT code. */
    GELU_TANH,
    RELU,
    TANH,
    /** Swish / SiLU, {@code x * sigmoid(x)} (bottleneck adapters' default in the Houlsby placement). */
    SWISH;

    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
        switch (this) {
            case GELU: {
                var cdf = tf.math.mul(tf.constant(0.5f),
                        tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))))));
                return tf.math.mul(x, cdf);
            }
            case GELU_TANH: {
                var cube = tf.math.mul(tf.math.mul(x, x), x);
                var inner = tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)),
                        tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube)));
                return tf.math.mul(x, tf.math.mul(tf.constant(0.5f), tf.math.add(tf.constant(1f), tf.math.tanh(inner))));
            }
            case RELU:
                return tf.nn.relu(x);
            case TANH:
                return tf.math.tanh(x);
            case SWISH:
                return tf.math.mul(x, tf.math.sigmoid(x));
            default:
                throw new AssertionError(this);
        }
    }

    /** Parses {@code gelu}, {@code gelu_tanh}, {@code relu}, {@code tanh}, {@code swish} (case-insensitive). */
    public static Activation parse(String name) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(name.trim().replace('-', '_'))) {
                return a;
            }
        }
        throw new dev.infuse.spi.InfuseException("config-bad-value",
                "unknown activation '" + name + "'; expected one of gelu, gelu_tanh, relu, tanh, swish");
    }
}
