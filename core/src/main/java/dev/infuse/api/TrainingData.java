package dev.infuse.api;

/**
 * Examples a {@link Trainer} can batch: their lengths (for length bucketing) and a way to build the
 * batch of any subset, labels included.
 */
public interface TrainingData {

    /** Number of examples. */
    int size();

    /** Token count of example {@code i}. */
    int length(int i);

    /** A batch of the given examples, with every input the model's head and adapters need. */
    Batch batch(int[] indices);
}
