package dev.infuse.api;

/**
 * Training data whose batches also carry the backbone's hidden states from an
 * {@link ActivationCache}, for a model built with {@link ComposedModel.Builder#cachedTaps}.
 * Example {@code i} of {@code base} must be example {@code i} of the cache.
 */
public final class CachedTrainingData implements TrainingData {
    private final TrainingData base;
    private final ActivationCache cache;
    private final int rows;

    /** Data with one model row per example: example {@code i} is cache entry {@code i}. */
    public CachedTrainingData(TrainingData base, ActivationCache cache) {
        this(base, cache, 1);
    }

    /**
     * Data whose every example takes {@code rowsPerExample} rows of the model's batch (multiple choice):
     * example {@code i} is cache entries {@code i * rowsPerExample} to {@code (i + 1) * rowsPerExample - 1}.
     */
    public CachedTrainingData(TrainingData base, ActivationCache cache, int rowsPerExample) {
        if (rowsPerExample < 1 || (long) base.size() * rowsPerExample != cache.size()) {
            throw new IllegalArgumentException("data has " + base.size() + " examples of " + rowsPerExample + " rows, the cache "
                    + cache.size());
        }
        this.base = base;
        this.cache = cache;
        this.rows = rowsPerExample;
        for (int i = 0; i < base.size(); i++) {
            if (base.length(i) != cachedLength(i)) {
                throw new IllegalArgumentException("example " + i + " has " + base.length(i) + " tokens, the cache "
                        + cachedLength(i) + ": the cache was built for other texts");
            }
        }
    }

    private int cachedLength(int example) {
        int max = 0;
        for (int r = 0; r < rows; r++) {
            max = Math.max(max, cache.length(example * rows + r));
        }
        return max;
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public int length(int i) {
        return base.length(i);
    }

    @Override
    public Batch batch(int[] indices) {
        Batch b = base.batch(indices);
        int[] entries = new int[indices.length * rows];
        int time = 0;
        for (int k = 0; k < indices.length; k++) {
            for (int r = 0; r < rows; r++) {
                entries[k * rows + r] = indices[k] * rows + r;
                time = Math.max(time, cache.length(indices[k] * rows + r));
            }
        }
        return cache.addTo(b, entries, time);
    }
}
