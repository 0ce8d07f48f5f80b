package dev.infuse.layer.prefix;

import dev.infuse.layer.common.BuiltInLayerProvider;
import dev.infuse.layer.common.Sites;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import java.util.List;

/**
 * Prefix tuning (Li and Liang, 2021; P-Tuning v2 for encoders, Liu et al., 2022): {@code virtual_tokens}
 * trainable key and value vectors prepended to every layer's attention. With {@code reparameterize} the
 * prefixes of all layers are computed from one {@code [virtual_tokens, H]} embedding by a two-layer
 * tanh MLP ({@code prefix_hidden} wide, as Li and Liang), otherwise they are trained directly.
 *
 * <p>{@code gate = true} (the default) attends to the prefix by its own softmax and adds the result
 * through {@code tanh(g)}, {@code g} a trainable scalar per layer starting at 0 (zero-initialised
 * gating, Zhang et al. 2023): the plug-in then starts as an exact identity, as every built-in in-layer
 * plug-in does. {@code gate = false} is the published form (one softmax over prefix and sequence), which
 * changes the outputs from the start.
 */
public final class PrefixProvider extends BuiltInLayerProvider {
    public static final String NAME = "prefix";

    public PrefixProvider() {
        super(NAME, "prefix tuning: trainable key/value vectors prepended to every layer's attention (Li & Liang 2021)", List.of(
                new ParameterSpec("virtual_tokens", "int", "20", "prefix length per layer"),
                new ParameterSpec("reparameterize", "boolean", "false",
                        "compute the prefixes from one embedding through a tanh MLP (Li & Liang) instead of training them directly"),
                new ParameterSpec("prefix_hidden", "int", "512", "width of the reparameterisation MLP"),
                new ParameterSpec("gate", "boolean", "true",
                        "zero-initialised tanh gate on the prefix's attention (exact identity at start); false for the published joint softmax"),
                new ParameterSpec("layers", "int-list", "", "layers (0-based, comma-separated); empty for all")));
    }

    @Override
    public LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        int tokens = config.getInt("virtual_tokens", 20);
        boolean reparameterize = config.getBoolean("reparameterize", false);
        int hidden = config.getInt("prefix_hidden", 512);
        boolean gate = config.getBoolean("gate", true);
        List<Integer> layers = Sites.layers(config);
        if (tokens < 1) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'prefix', key 'virtual_tokens': " + tokens
                    + "; expected at least 1");
        }
        if (hidden < 1) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'prefix', key 'prefix_hidden': " + hidden
                    + "; expected at least 1");
        }
        return new PrefixPlugin(tokens, reparameterize, hidden, gate, layers, config.effective());
    }
}
