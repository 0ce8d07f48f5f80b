package dev.infuse.layer.bitfit;

import dev.infuse.layer.common.BuiltInLayerProvider;
import dev.infuse.layer.common.Sites;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import java.util.List;

/**
 * BitFit (Ben Zaken et al., 2022): trainable offsets to the frozen biases — by default every bias of
 * every layer, the linear products' and the layer norms' shifts, as in the paper. Offsets start at
 * zero, so the plug-in starts as the frozen model. (The embedding layer norm and the pooler are not
 * in-layer sites and stay frozen.)
 */
public final class BitFitProvider extends BuiltInLayerProvider {
    public static final String NAME = "bitfit";

    public BitFitProvider() {
        super(NAME, "BitFit: trainable offsets to the frozen biases of the linear products and layer norms (Ben Zaken et al. 2022)",
                List.of(new ParameterSpec("sites", "string", "all",
                                "biases to train, comma-separated linear or layer-norm sites, or all (BERT: query, key, value, "
                                        + "attention.output, attention.layer_norm, intermediate, output, output.layer_norm)"),
                        new ParameterSpec("layers", "int-list", "", "layers (0-based, comma-separated); empty for all")));
    }

    @Override
    public LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        return new BitFitPlugin(Sites.names(config, "all"), Sites.layers(config), config.effective());
    }
}
