package dev.infuse.data;

/**
 * A half-open range {@code [start, end)} of token indices or character offsets (the owning record
 * says which).
 *
 * @param start first index, inclusive, {@code >= 0}
 * @param end index after the last one, exclusive, {@code >= start}
 */
public record Span(int start, int end) {
    public Span {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("span [" + start + ", " + end + ") is not a valid range");
        }
    }

    /** Number of indices covered. */
    public int length() {
        return end - start;
    }

    /** Whether the two spans share at least one index. */
    public boolean overlaps(Span other) {
        return start < other.end && other.start < end;
    }
}
