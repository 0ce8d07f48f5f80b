package dev.infuse.nn;

/**
 * Sizes and settings of a BERT-style (post-layer-norm) transformer layer.
 *
 * @param hiddenSize width {@code H}
 * @param heads attention heads; must divide {@code hiddenSize}
 * @param intermediateSize feed-forward width
 * @param activation feed-forward activation
 * @param hiddenDropout dropout after each sub-layer while training
 * @param attentionDropout dropout on attention probabilities while training
 * @param layerNormEpsilon added to the variance
 * @param initStd standard deviation of the truncated-normal kernel initialisation
 */
public record TransformerConfig(int hiddenSize, int heads, int intermediateSize, Activation activation,
        float hiddenDropout, float attentionDropout, float layerNormEpsilon, double initStd) {

    public TransformerConfig {
        if (hiddenSize <= 0 || heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " must be a positive multiple of heads " + heads);
        }
        if (intermediateSize <= 0) {
            throw new IllegalArgumentException("intermediate size must be positive: " + intermediateSize);
        }
    }

    /** BERT's defaults for a given width: 4H feed-forward, exact GELU, dropout 0.1, epsilon 1e-12. */
    public static TransformerConfig bertLike(int hiddenSize, int heads) {
        return new TransformerConfig(hiddenSize, heads, 4 * hiddenSize, Activation.GELU, 0.1f, 0.1f, 1e-12f, 0.02);
    }
}
