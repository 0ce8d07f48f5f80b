package dev.infuse.spi;

import java.util.Map;

/**
 * A trainable head and its loss: the part of a model that is specific to one task or pretraining
 * objective (relation classification, dependency-head prediction, masked-token prediction ...).
 * Its labels and any per-example positions are model {@linkplain ModelScope#input inputs} that
 * the task's batches fill.
 */
public interface TaskHead {

    /** A short name, e.g. {@code sequence-classification}; also the head's artifact sub-folder. */
    String name();

    /** The effective configuration. */
    Map<String, Object> config();

    /** Builds the head in its own trainable scope. */
    HeadOutputs build(ModelScope scope, ModelOutputs model);
}
