package dev.infuse.adapter.kilm;

import dev.infuse.nn.Activation;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.nn.TransformerConfig;
import dev.infuse.nn.TransformerLayer;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InputEmbeddings;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The KILM-style plug-in: trainable input embeddings for the five {@link KilmTokens} (the backbone's
 * embedding table stays frozen), plus an optional side network whose output is <em>added</em> to the
 * backbone's last layer before the frozen masked-LM head (compose it with the {@code add} fusion).
 *
 * <p>The side network is a chain of bottleneck layers, one per tap: layer {@code i} reads
 * {@code h[tap_i] + delta_{i-1}}, projects it down to {@code adapter_size}, runs
 * {@code adapter_layers} transformer layers (or one GELU when 0), projects back up and adds the
 * result to {@code delta_{i-1}}. Unlike K-Adapter's {@link dev.infuse.nn.SideAdapterStack}, which
 * returns its input plus the update, this network returns only the update {@code delta}: with the
 * {@code add} fusion the fused state is {@code h_L + delta}, and since the up-projections start
 * near zero ({@code init_std}) an untrained plug-in reproduces the frozen backbone's predictions
 * everywhere except at the special tokens.
 *
 * <p>Parameters: {@code token_embeddings} {@code [5, H]} and, per side layer,
 * {@code layer_i/down}, {@code layer_i/transformer_j/...}, {@code layer_i/up}.
 */
public final class KilmAdapter implements KnowledgeAdapter {
    private final KilmAdapterConfig config;
    private final int hiddenSize;

    /**
     * @param config the effective configuration
     * @param hiddenSize the backbone's width {@code H}
     */
    public KilmAdapter(KilmAdapterConfig config, int hiddenSize) {
        this.config = config;
        this.hiddenSize = hiddenSize;
    }

    @Override
    public String name() {
        return KilmAdapterProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config.toMap();
    }

    /** The typed configuration. */
    public KilmAdapterConfig kilmConfig() {
        return config;
    }

    @Override
    public List<Integer> taps() {
        return config.taps();
    }

    @Override
    public List<String> addedTokens() {
        return config.tokens().asList();
    }

    @Override
    public Operand<TFloat32> injectInputs(ModelScope scope, InputEmbeddings inputs) {
        Ops tf = scope.tf();
        List<String> tokens = config.tokens().asList();
        Operand<TFloat32> table = scope.parameter("token_embeddings", new long[] {tokens.size(), hiddenSize},
                Initializers.truncatedNormal(config.embeddingInitStd()));
        Tokenizer tokenizer = inputs.tokenizer();
        Operand<TFloat32> out = inputs.embeddings();
        for (int k = 0; k < tokens.size(); k++) {
            int id = tokenizer.tokenId(tokens.get(k));
            if (id < tokenizer.baseVocabularySize()) {
                // The runtime adds our tokens, so this only happens if the tokenizer was swapped underneath.
                throw new InfuseException("config-token-collision", "adapter 'kilm': token '" + tokens.get(k)
                        + "' has id " + id + ", which is not an added token of the model's tokenizer");
            }
            Operand<TFloat32> here = tf.expandDims(
                    tf.dtypes.cast(tf.math.equal(inputs.inputIds(), tf.constant(id)), TFloat32.class), tf.constant(-1));
            Operand<TFloat32> row = tf.gather(table, tf.constant(k), tf.constant(0));
            // Where the token sits: its own vector; elsewhere: the embedding as it came.
            out = tf.math.add(tf.math.mul(out, tf.math.sub(tf.constant(1f), here)), tf.math.mul(here, row));
        }
        return out;
    }

    @Override
    public Optional<Operand<TFloat32>> sideOutput(ModelScope scope, HiddenStates states) {
        if (config.taps().isEmpty()) {
            return Optional.empty();
        }
        for (int tap : config.taps()) {
            if (tap < 0 || tap > states.layerCount()) {
                throw new InfuseException("config-bad-tap", "adapter 'kilm': tap " + tap + " is outside 0.."
                        + states.layerCount());
            }
        }
        Ops tf = scope.tf();
        int h = states.hiddenSize();
        int a = config.adapterSize();
        Operand<TFloat32> bias = TransformerLayer.attentionBias(tf, states.mask());
        TransformerConfig inner = new TransformerConfig(a, config.heads(), config.intermediateSize(), Activation.GELU,
                config.dropout(), config.dropout(), 1e-12f, 0.02);
        Operand<TFloat32> delta = null;
        for (int i = 0; i < config.taps().size(); i++) {
            ModelScope layer = scope.child("layer_" + i);
            Operand<TFloat32> x = states.tap(config.taps().get(i));
            if (delta != null) {
                x = tf.math.add(x, delta);
            }
            Operand<TFloat32> z = Dense.apply(layer, "down", x, h, a, Initializers.truncatedNormal(0.02));
            if (config.adapterLayers() == 0) {
                z = Activation.GELU.apply(tf, z);
            }
            for (int j = 0; j < config.adapterLayers(); j++) {
                z = TransformerLayer.apply(layer.child("transformer_" + j), inner, z, bias);
            }
            z = layer.dropout(z, config.dropout());
            Operand<TFloat32> up = Dense.apply(layer, "up", z, a, h, Initializers.normal(config.projectionInitStd()));
            delta = delta == null ? up : tf.math.add(delta, up);
        }
        return Optional.of(delta);
    }
}
