package dev.infuse.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A plug-in that injects knowledge into a frozen backbone. It may act at one or both of two points,
 * and nowhere else: nothing it computes flows back into the backbone's weights, and adapters never
 * see each other's outputs.
 *
 * <ul>
 *   <li><b>Input side</b> ({@link #injectInputs}): replace word embeddings at some positions before
 *       the encoder, e.g. a mapped knowledge-graph vector for a pseudo-token (map-tuning) or trained
 *       embeddings for new special tokens (KILM-style).</li>
 *   <li><b>Side network</b> ({@link #sideOutput}): read hidden states at {@link #taps()} and
 *       produce a {@code [batch, time, H]} output that a {@link Fusion} combines with the backbone's
 *       last layer (K-Adapter).</li>
 * </ul>
 *
 * <p>The runtime calls each method once while building the graph, inside this adapter's own
 * {@link ModelScope}; create all weights through it. A trained adapter is saved as its parameters
 * plus {@link #config()}, and re-created from that configuration by its provider.
 */
public interface KnowledgeAdapter {

    /** The provider name, written into artifacts. */
    String name();

    /**
     * The effective configuration, every key with the value in use (defaults included); a provider
     * given exactly this map must build an identical adapter. Usually {@link PluginConfig#effective()}.
     */
    Map<String, Object> config();

    /**
     * Hidden-state taps the side network reads; empty for input-only adapters. An adapter that
     * overrides {@link #sideOutput} must declare at least one tap: the runtime uses them to decide
     * that a fusion is needed and which layers an activation cache must keep.
     */
    default List<Integer> taps() {
        return List.of();
    }

    /** Tokens this adapter needs in the tokenizer; it owns their input embeddings. */
    default List<String> addedTokens() {
        return List.of();
    }

    /**
     * Text side, before tokenisation: text to insert immediately before an entity mention, such as
     * map-tuning's {@code "[E] / "} (the pseudo-token, then a slash, then the mention). Tasks call it
     * for every mention they annotate; return the empty string to leave a mention alone (e.g. when its
     * entity is not in your knowledge graph). The default inserts nothing.
     */
    default String mentionPrefix(EntityMention mention) {
        return "";
    }

    /**
     * Text side, after tokenisation: per-token inputs this adapter's graph reads (through
     * {@link ModelScope#input}), computed from the tokenised text and the mentions as placed in it
     * (spans already shifted past the inserted prefixes). The default has none.
     *
     * @param mentions the mentions in text order, each with the prefix this adapter asked for
     */
    default java.util.List<TokenInput> tokenInputs(TokenizedText text, java.util.List<EntityMention> mentions) {
        return java.util.List.of();
    }

    /**
     * Input side. The default changes nothing.
     *
     * @return embeddings of the same shape as {@code inputs.embeddings()}
     */
    default Operand<TFloat32> injectInputs(ModelScope scope, InputEmbeddings inputs) {
        return inputs.embeddings();
    }

    /**
     * Side network. The default has none.
     *
     * @return {@code [batch, time, H]} with {@code H = states.hiddenSize()}, or empty
     */
    default Optional<Operand<TFloat32>> sideOutput(ModelScope scope, HiddenStates states) {
        return Optional.empty();
    }
}
