package dev.infuse.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major tensor held in a Java array: the unit stored in a safetensors file.
 *
 * <p>The value array is <em>not</em> copied (adapter weights can be hundreds of megabytes): callers
 * must not change it while the tensor is in use. Create instances with {@link #f32}, {@link #f64},
 * {@link #i32} or {@link #i64}; the number of values must equal the product of the shape.
 */
public final class TensorData {
    private final DType dtype;
    private final long[] shape;
    private final Object values;
    private final int length;

    private TensorData(DType dtype, long[] shape, Object values, int length) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.values = values;
        this.length = length;
        long count = 1;
        for (long d : this.shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(this.shape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(this.shape) + " holds " + count
                    + " values but " + length + " were given");
        }
    }

    /** A {@link DType#F32} tensor. */
    public static TensorData f32(float[] values, long... shape) {
        return new TensorData(DType.F32, shape, values, values.length);
    }

    /** A {@link DType#F64} tensor. */
    public static TensorData f64(double[] values, long... shape) {
        return new TensorData(DType.F64, shape, values, values.length);
    }

    /** A {@link DType#I32} tensor. */
    public static TensorData i32(int[] values, long... shape) {
        return new TensorData(DType.I32, shape, values, values.length);
    }

    /** A {@link DType#I64} tensor. */
    public static TensorData i64(long[] values, long... shape) {
        return new TensorData(DType.I64, shape, values, values.length);
    }

    /**
     * A tensor read from a file as {@link DType#BF16} or {@link DType#F16}, widened to floats; only
     * readers create these.
     */
    public static TensorData widened(DType stored, float[] values, long... shape) {
        if (stored != DType.BF16 && stored != DType.F16) {
            throw new IllegalArgumentException("only BF16 and F16 are widened, not " + stored);
        }
        return new TensorData(stored, shape, values, values.length);
    }

    /** The element type as stored in the file. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of values (product of the shape). */
    public int size() {
        return length;
    }

    /** The values of an F32 tensor, or of a BF16/F16 tensor widened to float (not copied). */
    public float[] floats() {
        if (values instanceof float[] f) {
            return f;
        }
        throw wrongType("float[]");
    }

    /** The values of an F64 tensor (not copied). */
    public double[] doubles() {
        if (values instanceof double[] d) {
            return d;
        }
        throw wrongType("double[]");
    }

    /** The values of an I32 tensor (not copied). */
    public int[] ints() {
        if (values instanceof int[] i) {
            return i;
        }
        throw wrongType("int[]");
    }

    /** The values of an I64 tensor (not copied). */
    public long[] longs() {
        if (values instanceof long[] l) {
            return l;
        }
        throw wrongType("long[]");
    }

    private IllegalStateException wrongType(String wanted) {
        return new IllegalStateException("tensor is " + dtype + ", not readable as " + wanted);
    }

    /** Equal when type, shape and every value's bits are equal. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TensorData t) || t.dtype != dtype || !Arrays.equals(t.shape, shape)) {
            return false;
        }
        if (values instanceof float[] f) {
            return Arrays.equals(f, (float[]) t.values);
        }
        if (values instanceof double[] d) {
            return Arrays.equals(d, (double[]) t.values);
        }
        if (values instanceof int[] i) {
            return Arrays.equals(i, (int[]) t.values);
        }
        return Arrays.equals((long[]) values, (long[]) t.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), length);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
