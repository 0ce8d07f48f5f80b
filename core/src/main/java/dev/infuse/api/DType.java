package dev.infuse.api;

import java.util.Optional;

/**
 * Element types of a safetensors file, by their names in the file header. Infuse writes
 * {@link #F32}, {@link #F64}, {@link #I32} and {@link #I64}; {@link #BF16} and {@link #F16} are read
 * only, and widened to {@code float} on reading.
 */
public enum DType {
    /** 32-bit IEEE float, held as {@code float[]}. */
    F32(4, true),
    /** 64-bit IEEE float, held as {@code double[]}. */
    F64(8, true),
    /** 32-bit signed integer, held as {@code int[]}. */
    I32(4, true),
    /** 64-bit signed integer, held as {@code long[]}. */
    I64(8, true),
    /** bfloat16, read only; widened to {@code float[]}. */
    BF16(2, false),
    /** IEEE half precision, read only; widened to {@code float[]}. */
    F16(2, false);

    private final int byteSize;
    private final boolean writable;

    DType(int byteSize, boolean writable) {
        this.byteSize = byteSize;
        this.writable = writable;
    }

    /** Bytes one element takes in the file. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether Infuse can write tensors of this type. */
    public boolean writable() {
        return writable;
    }

    /** Whether values are floating point (and so subject to the finite-value check). */
    public boolean floating() {
        return this != I32 && this != I64;
    }

    /** The type named {@code name} in a safetensors header (exact, upper-case), if Infuse knows it. */
    public static Optional<DType> fromHeader(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The names Infuse reads, for error messages. */
    public static String known() {
        StringBuilder sb = new StringBuilder();
        for (DType t : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.name());
        }
        return sb.toString();
    }
}
