package dev.infuse.layer.bottleneck;

import dev.infuse.layer.common.BuiltInLayerProvider;
import dev.infuse.layer.common.Sites;
import dev.infuse.nn.Activation;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import java.util.List;
import java.util.Locale;

/**
 * Bottleneck adapters: {@code h + up(f(down(h)))} on a sub-layer's output, before its residual sum and
 * layer norm. Placement {@code houlsby} (Houlsby et al., 2019) puts one after the attention and one
 * after the feed-forward sub-layer; {@code pfeiffer} (Pfeiffer et al., 2021) one after the feed-forward
 * sub-layer only. The bottleneck is {@code H / reduction_factor} wide (16 as the {@code adapters}
 * library's defaults: 48 for BERT-base); the non-linearity defaults to each placement's (swish for
 * Houlsby, relu for Pfeiffer, as that library). The down projection starts as N(0, 0.01²), the up
 * projection at zero, so the plug-in starts as an exact identity (Houlsby et al. start near it).
 */
public final class BottleneckProvider extends BuiltInLayerProvider {
    public static final String NAME = "bottleneck";

    public BottleneckProvider() {
        super(NAME, "bottleneck adapters after the attention and/or feed-forward sub-layers (Houlsby 2019, Pfeiffer 2021)", List.of(
                new ParameterSpec("placement", "string", "houlsby",
                        "houlsby (after attention and feed-forward sub-layers) or pfeiffer (after the feed-forward sub-layer)"),
                new ParameterSpec("reduction_factor", "int", "16", "hidden size / bottleneck width"),
                new ParameterSpec("non_linearity", "string", "", "relu, swish or gelu; empty for the placement's default"),
                new ParameterSpec("layers", "int-list", "", "layers (0-based, comma-separated); empty for all")));
    }

    @Override
    public LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        String placement = config.getString("placement", "houlsby").toLowerCase(Locale.ROOT);
        if (!placement.equals("houlsby") && !placement.equals("pfeiffer")) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'bottleneck', key 'placement': '" + placement
                    + "'; expected houlsby or pfeiffer");
        }
        int factor = config.getInt("reduction_factor", 16);
        if (factor < 1 || backbone.hiddenSize() / factor < 1) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'bottleneck', key 'reduction_factor': " + factor
                    + "; expected 1 to " + backbone.hiddenSize() + " (hidden size " + backbone.hiddenSize() + ")");
        }
        String act = config.getString("non_linearity", "").toLowerCase(Locale.ROOT);
        if (act.isEmpty()) {
            act = placement.equals("houlsby") ? "swish" : "relu";
        }
        Activation activation = switch (act) {
            case "relu" -> Activation.RELU;
            case "swish", "silu" -> Activation.SWISH;
            case "gelu" -> Activation.GELU_TANH;
            default -> throw new InfuseException("config-bad-value", "in-layer plug-in 'bottleneck', key 'non_linearity': '"
                    + act + "'; expected relu, swish or gelu");
        };
        List<String> sites = placement.equals("houlsby") ? List.of("attention.residual", "ffn.residual") : List.of("ffn.residual");
        return new BottleneckPlugin(sites, Sites.layers(config), backbone.hiddenSize() / factor, activation, config.effective());
    }
}
