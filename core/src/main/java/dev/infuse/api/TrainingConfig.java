package dev.infuse.api;

/**
 * Hyper-parameters of {@link Trainer}.
 *
 * @param epochs maximum number of passes over the training data
 * @param batchSize examples per batch
 * @param maxTokensPerBatch cap on {@code batch × longest length} (0 = none)
 * @param learningRate peak learning rate of Adam
 * @param warmupFraction fraction of all steps with linear warm-up from 0; then linear decay to 0
 * @param clipNorm global gradient-norm clipping threshold (0 = none)
 * @param patience epochs without improvement of the primary metric before stopping (0 = never)
 * @param seed seed of shuffling (parameter initialisation and dropout use the model's seed)
 */
public record TrainingConfig(int epochs, int batchSize, int maxTokensPerBatch, double learningRate,
        double warmupFraction, double clipNorm, int patience, long seed) {

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be at least 1");
        }
        if (!(learningRate > 0) || warmupFraction < 0 || warmupFraction > 1) {
            throw new IllegalArgumentException("learning rate must be > 0 and warm-up fraction in [0,1]");
        }
    }

    /** Sensible defaults for adapter training: 3 epochs, batch 32, lr 1e-4, 10% warm-up, clip 1.0, patience 2. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(3, 32, 0, 1e-4, 0.1, 1.0, 2, 42);
    }

    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed);
    }

    public TrainingConfig withBatchSize(int b) {
        return new TrainingConfig(epochs, b, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed);
    }

    public TrainingConfig withLearningRate(double lr) {
        return new TrainingConfig(epochs, batchSize, maxTokensPerBatch, lr, warmupFraction, clipNorm, patience, seed);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(epochs, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, s);
    }

    /** Learning rate at {@code step} (0-based) of {@code total}: linear warm-up, then linear decay. */
    public double learningRateAt(long step, long total) {
        long warm = Math.round(total * warmupFraction);
        if (step < warm) {
            return learningRate * (step + 1) / warm;
        }
        long rest = Math.max(1, total - warm);
        return learningRate * Math.max(0.0, 1.0 - (double) (step - warm) / rest);
    }
}
