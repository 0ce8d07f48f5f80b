package dev.infuse.api;

/**
 * Training data whose batches also carry the backbone's hidden states from an
 * {@link ActivationCache}, for a model built with {@link ComposedModel.Builder#cachedTaps}.
 * Example {@code i} of {@code base} must be example {@code i} of the cache.
 */
public final class CachedTrainingData implements TrainingData {
    private final TrainingData base;
    private final ActivationCache cache;

    public CachedTrainingData(TrainingData base, ActivationCache cache) {
        if (base.size() != cache.size()) {
            throw new IllegalArgumentException("data has " + base.size() + " examples, the cache " + cache.size());
        }
        for (int i = 0; i < base.size(); i++) {
            if (base.length(i) != cache.length(i)) {
                throw new IllegalArgumentException("example " + i + " has " + base.length(i) + " tokens, the cache "
                        + cache.length(i) + ": the cache was built for other texts");
            }
        }
        this.base = base;
        this.cache = cache;
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
        int time = 0;
        for (int i : indices) {
            time = Math.max(time, cache.length(i));
        }
        return cache.addTo(b, indices, time);
    }
}
