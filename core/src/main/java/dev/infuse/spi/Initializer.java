package dev.infuse.spi;

import java.util.SplittableRandom;

/**
 * Produces the initial value of a parameter on the Java side, from a seeded random stream, so that
 * initialisation is reproducible bit for bit regardless of TensorFlow's own random kernels.
 * Ready-made ones are in {@link dev.infuse.nn.Initializers}.
 */
@FunctionalInterface
public interface Initializer {

    /**
     * @param shape dimensions of the parameter (row-major)
     * @param random a stream seeded from the run seed and the parameter's full name
     * @return exactly {@code product(shape)} values, row-major
     */
    float[] values(long[] shape, SplittableRandom random);
}
