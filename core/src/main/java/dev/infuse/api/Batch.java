package dev.infuse.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Tensor;

/**
 * One batch of model inputs, by input name ({@code input_ids}, {@code token_type_ids},
 * {@code attention_mask}, plus whatever heads and adapters declared through
 * {@link dev.infuse.spi.ModelScope#input}). Owns its tensors: close it after use.
 */
public final class Batch implements AutoCloseable {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final int size;
    private final int realTokens;

    /**
     * @param size number of examples
     * @param realTokens number of non-padding tokens, for throughput figures
     */
    public Batch(int size, int realTokens) {
        this.size = size;
        this.realTokens = realTokens;
    }

    /** Adds an input; the batch takes ownership of the tensor. */
    public Batch put(String name, Tensor tensor) {
        Tensor old = tensors.put(name, tensor);
        if (old != null) {
            old.close();
        }
        return this;
    }

    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return size;
    }

    public int realTokens() {
        return realTokens;
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}
