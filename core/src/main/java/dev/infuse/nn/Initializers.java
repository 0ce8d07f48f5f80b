package dev.infuse.nn;

import dev.infuse.spi.Initializer;

/** Ready-made {@link Initializer}s. */
public final class Initializers {
    private Initializers() {}

    public static Initializer zeros() {
        return (shape, random) -> new float[size(shape)];
    }

    public static Initializer ones() {
        return constant(1f);
    }

    public static Initializer constant(float value) {
        return (shape, random) -> {
            float[] v = new float[size(shape)];
            java.util.Arrays.fill(v, value);
            return v;
        };
    }

    /** Normal(0, std) truncated at two standard deviations, as BERT initialises. */
    public static Initializer truncatedNormal(double std) {
        return (shape, random) -> {
            float[] v = new float[size(shape)];
            for (int i = 0; i < v.length; i++) {
                double x;
                do {
                    x = gaussian(random);
                } while (Math.abs(x) > 2);
                v[i] = (float) (x * std);
            }
            return v;
        };
    }

    /** Normal(0, std). */
    public static Initializer normal(double std) {
        return (shape, random) -> {
            float[] v = new float[size(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(random) * std);
            }
            return v;
        };
    }

    /** Uniform in {@code [-limit, limit)} (e.g. {@code 1/sqrt(fan_in)}: Kaiming-uniform with {@code a = sqrt(5)}, as PyTorch's linear layers and PEFT's LoRA A). */
    public static Initializer uniform(double limit) {
        return (shape, random) -> {
            float[] v = new float[size(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
            return v;
        };
    }

    /** Glorot/Xavier uniform over the first and last dimension. */
    public static Initializer xavierUniform() {
        return (shape, random) -> {
            float[] v = new float[size(shape)];
            double fanIn = shape.length > 1 ? shape[0] : 1;
            double fanOut = shape[shape.length - 1];
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
            return v;
        };
    }

    /** Fixed values, e.g. pre-trained weights; their count must match the shape. */
    public static Initializer of(float[] values) {
        return (shape, random) -> {
            if (values.length != size(shape)) {
                throw new IllegalArgumentException("initial values have " + values.length
                        + " elements but the shape " + java.util.Arrays.toString(shape) + " needs " + size(shape));
            }
            return values;
        };
    }

    /** Number of elements of a shape, checked to fit a Java array. */
    public static int size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("parameter shapes must be fully known: " + java.util.Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameter too large: " + java.util.Arrays.toString(shape));
        }
        return (int) n;
    }

    private static double gaussian(java.util.SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
