package dev.infuse.spi;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A frozen pre-trained encoder, built into the composed graph in three stages so every injection
 * method finds its hook without special cases:
 *
 * <ol>
 *   <li>{@link #embedWords}: token ids to word embeddings. Input-side plugins (map-tuning
 *       pseudo-tokens, KILM's new tokens) replace rows of this tensor; gradients flow back to them
 *       through every frozen layer.</li>
 *   <li>{@link #encode}: word embeddings to the hidden states of every layer (position and type
 *       embeddings, layer normalisation and the transformer stack happen here). Side adapters read
 *       the {@link HiddenStates} taps.</li>
 *   <li>{@link #maskedLmLogits} and {@link #pool}: the pre-trained heads, for masked-token
 *       prediction (knowledge probes, infilling) and sentence-level tasks.</li>
 * </ol>
 *
 * <p>All weights are created through the {@link ModelScope} passed in, which the runtime marks frozen;
 * the backbone must not create variables any other way. Sequence length and batch size are dynamic.
 */
public interface Backbone extends AutoCloseable {

    /** The provider name this backbone was created by. */
    String name();

    BackboneSpec spec();

    /** The tokenizer matching this backbone's vocabulary (without added tokens). */
    Tokenizer tokenizer();

    /**
     * Identity of the weights: the architecture plus a SHA-256 over every weight's name, shape and
     * bytes, e.g. {@code bert-L12-H768:sha256:ab12...}. Artifacts store it; loading an artifact onto
     * a backbone with another fingerprint is refused.
     */
    String fingerprint();

    /**
     * @param inputIds {@code [batch, time]}, all within {@code [0, spec().vocabularySize())}
     * @return {@code [batch, time, H]} word embeddings (before position embeddings)
     */
    Operand<TFloat32> embedWords(ModelScope scope, Operand<TInt32> inputIds);

    /**
     * @param wordEmbeddings {@code [batch, time, H]}, normally from {@link #embedWords}, possibly modified
     * @param tokenTypeIds {@code [batch, time]}
     * @param attentionMask {@code [batch, time]}, 1 for real tokens, 0 for padding
     */
    HiddenStates encode(ModelScope scope, Operand<TFloat32> wordEmbeddings, Operand<TInt32> tokenTypeIds,
            Operand<TInt32> attentionMask);

    /**
     * Like {@link #encode(ModelScope, Operand, Operand, Operand)}, with {@link LayerPlugin} edits applied
     * inside the layers (SPI 1.2). A backbone that offers {@link #layerSites()} overrides this; the
     * default accepts no edit.
     *
     * @param edits checked by the runtime against {@link #layerSites()}
     */
    default HiddenStates encode(ModelScope scope, Operand<TFloat32> wordEmbeddings, Operand<TInt32> tokenTypeIds,
            Operand<TInt32> attentionMask, LayerEdits edits) {
        if (!edits.isEmpty()) {
            throw new InfuseException("config-bad-site", "backbone '" + name() + "' offers no in-layer site; in-layer "
                    + "plug-ins cannot act in it");
        }
        return encode(scope, wordEmbeddings, tokenTypeIds, attentionMask);
    }

    /**
     * The sites every transformer layer offers to {@link LayerPlugin}s, in layer order of computation;
     * empty (the default) for a backbone that admits none (SPI 1.2).
     */
    default java.util.List<LayerSite> layerSites() {
        return java.util.List.of();
    }

    /**
     * The pre-trained masked-LM head applied to hidden vectors.
     *
     * @param hidden {@code [n, H]} (gather the masked positions first; the vocabulary is large)
     * @return {@code [n, vocabularySize]} logits over the base vocabulary
     */
    Operand<TFloat32> maskedLmLogits(ModelScope scope, Operand<TFloat32> hidden);

    /** The pre-trained pooler ({@code tanh(W h_[CLS] + b)} for BERT): {@code [batch, H]}. */
    Operand<TFloat32> pool(ModelScope scope, HiddenStates states);

    /**
     * Number of weight values of the whole backbone (including any head weights it holds), for
     * reports that set an adapter's parameter count against the model's; -1 if unknown.
     */
    default long parameterCount() {
        return -1;
    }

    /**
     * The number format of this backbone's frozen matrix products ({@link Precision}); plugins still
     * receive fp32 tensors either way. Recorded in run metrics, artifact provenance and the activation
     * cache key.
     */
    default Precision precision() {
        return Precision.FP32;
    }

    /** Releases any weights held on the Java or native side. */
    @Override
    void close();
}
