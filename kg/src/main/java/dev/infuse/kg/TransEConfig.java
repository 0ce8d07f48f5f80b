package dev.infuse.kg;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TransE hyper-parameters. Score {@code -||h + r - t||_p}; margin ranking loss
 * {@code max(0, margin + d(pos) - d(neg))} averaged over {@code negatives} corruptions per positive.
 *
 * @param dimension embedding size of entities and relations
 * @param norm p of the distance, 1 or 2
 * @param margin ranking margin γ
 * @param negatives corrupted triples per positive
 * @param batchSize positive triples per step
 * @param epochs passes over the training triples
 * @param learningRate step size
 * @param optimizer {@code "adam"} or {@code "sgd"}
 * @param sampling {@code "bern"} (replace the head with probability tph/(tph+hpt) per relation,
 *     Wang et al. 2014) or {@code "uniform"} (head or tail with probability ½)
 * @param normalizeEntities renormalise every entity vector to unit L2 norm before each step
 *     (the original paper's constraint)
 * @param seed initialisation, shuffling and negative sampling all derive from it
 */
public record TransEConfig(int dimension, int norm, double margin, int negatives, int batchSize, int epochs,
        double learningRate, String optimizer, String sampling, boolean normalizeEntities, long seed) {

    /** Validates the values. */
    public TransEConfig {
        if (dimension <= 0) {
            throw bad("dimension", dimension, "a positive integer");
        }
        if (norm != 1 && norm != 2) {
            throw bad("norm", norm, "1 or 2");
        }
        if (!(margin > 0) || !Double.isFinite(margin)) {
            throw bad("margin", margin, "a positive number");
        }
        if (negatives <= 0) {
            throw bad("negatives", negatives, "a positive integer");
        }
        if (batchSize <= 0) {
            throw bad("batch-size", batchSize, "a positive integer");
        }
        if (epochs < 0) {
            throw bad("epochs", epochs, "0 or more");
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw bad("lr", learningRate, "a positive number");
        }
        if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
            throw bad("optimizer", optimizer, "adam or sgd");
        }
        if (!sampling.equals("bern") && !sampling.equals("uniform")) {
            throw bad("sampling", sampling, "bern or uniform");
        }
    }

    private static dev.infuse.spi.InfuseException bad(String key, Object value, String expected) {
        return new dev.infuse.spi.InfuseException("config-invalid", "TransE " + key + " = " + value + ", expected " + expected);
    }

    /** The defaults: d=128, L1, margin 5, 8 negatives, batch 4096, 100 epochs, Adam lr 0.001, bern, unit entities, seed 42. */
    public static TransEConfig defaults() {
        return new TransEConfig(128, 1, 5.0, 8, 4096, 100, 0.001, "adam", "bern", true, 42L);
    }

    public TransEConfig withDimension(int v) {
        return new TransEConfig(v, norm, margin, negatives, batchSize, epochs, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withNorm(int v) {
        return new TransEConfig(dimension, v, margin, negatives, batchSize, epochs, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withMargin(double v) {
        return new TransEConfig(dimension, norm, v, negatives, batchSize, epochs, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withNegatives(int v) {
        return new TransEConfig(dimension, norm, margin, v, batchSize, epochs, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withBatchSize(int v) {
        return new TransEConfig(dimension, norm, margin, negatives, v, epochs, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withEpochs(int v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, v, learningRate, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withLearningRate(double v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, epochs, v, optimizer, sampling, normalizeEntities, seed);
    }

    public TransEConfig withOptimizer(String v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, epochs, learningRate, v, sampling, normalizeEntities, seed);
    }

    public TransEConfig withSampling(String v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, epochs, learningRate, optimizer, v, normalizeEntities, seed);
    }

    public TransEConfig withNormalizeEntities(boolean v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, epochs, learningRate, optimizer, sampling, v, seed);
    }

    public TransEConfig withSeed(long v) {
        return new TransEConfig(dimension, norm, margin, negatives, batchSize, epochs, learningRate, optimizer, sampling, normalizeEntities, v);
    }

    /** The values as an ordered map with the command-line key names (for JSON files). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dimension", dimension);
        m.put("norm", norm);
        m.put("margin", margin);
        m.put("negatives", negatives);
        m.put("batch-size", batchSize);
        m.put("epochs", epochs);
        m.put("lr", learningRate);
        m.put("optimizer", optimizer);
        m.put("sampling", sampling);
        m.put("normalize-entities", normalizeEntities);
        m.put("seed", seed);
        return m;
    }
}
