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
 * @param evaluateEvery evaluate on the development data after every this many epochs, and after the last one (1 =
 *     every epoch). Only evaluated epochs can be selected as the best; patience counts evaluations. Worth raising
 *     when scoring the development data costs more than an epoch of training (few-shot training sets).
 */
public record TrainingConfig(int epochs, int batchSize, int maxTokensPerBatch, double learningRate,
        double warmupFraction, double clipNorm, int patience, long seed, int evaluateEvery) {

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be at least 1");
        }
        if (evaluateEvery < 1) {
            throw new IllegalArgumentException("evaluateEvery must be at least 1");
        }
        if (!(learningRate > 0) || warmupFraction < 0 || warmupFraction > 1) {
            throw new IllegalArgumentException("learning rate must be > 0 and warm-up fraction in [0,1]");
        }
    }

    /** A configuration that evaluates after every epoch. */
    public TrainingConfig(int epochs, int batchSize, int maxTokensPerBatch, double learningRate, double warmupFraction,
            double clipNorm, int patience, long seed) {
        this(epochs, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed, 1);
    }

    /** Sensible defaults for adapter training: 3 epochs, batch 32, lr 1e-4, 10% warm-up, clip 1.0, patience 2. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(3, 32, 0, 1e-4, 0.1, 1.0, 2, 42);
    }

    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed, evaluateEvery);
    }

    public TrainingConfig withBatchSize(int b) {
        return new TrainingConfig(epochs, b, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed, evaluateEvery);
    }

    public TrainingConfig withLearningRate(double lr) {
        return new TrainingConfig(epochs, batchSize, maxTokensPerBatch, lr, warmupFraction, clipNorm, patience, seed, evaluateEvery);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(epochs, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, s, evaluateEvery);
    }

    public TrainingConfig withEvaluateEvery(int n) {
        return new TrainingConfig(epochs, batchSize, maxTokensPerBatch, learningRate, warmupFraction, clipNorm, patience, seed, n);
    }

    /** Whether the development data are scored after {@code epoch} (1-based). */
    public boolean evaluatesAfter(int epoch) {
        return epoch % evaluateEvery == 0 || epoch == epochs;
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
