package dev.infuse.layer.lora;

import dev.infuse.layer.common.BuiltInLayerProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.layer.common.Sites;
import dev.infuse.spi.Backbone;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * LoRA (Hu et al., 2022): a frozen linear {@code y = x W + b} becomes {@code y + (alpha / r) dropout(x) A B}
 * with trainable {@code A [in, r]} (uniform in {@code ±1/sqrt(in)}, as PEFT) and {@code B [r, out]} = 0,
 * so the plug-in starts as the frozen model. Defaults are PEFT's for BERT: {@code r = 8},
 * {@code alpha = 8}, no dropout, on {@code query} and {@code value} of every layer.
 *
 * <p>On a BERT backbone a LoRA is exchanged with Hugging Face PEFT ({@link PeftLora}, format
 * {@code peft}): a run writes its trained LoRA as {@code <out>/lora-peft/} ({@code adapter_config.json},
 * {@code adapter_model.safetensors}), and such a folder, written by PEFT or by Infuse, is read back as
 * this plug-in with its weights.
 */
public final class LoraProvider extends BuiltInLayerProvider {
    public static final String NAME = "lora";

    public LoraProvider() {
        super(NAME, "LoRA: trainable low-rank updates (alpha/r) A B of frozen linear products (Hu et al. 2022)", List.of(
                new ParameterSpec("r", "int", "8", "rank of the update; at most the smaller side of each target product"),
                new ParameterSpec("alpha", "double", "8", "scaling numerator: the update is multiplied by alpha / r"),
                new ParameterSpec("dropout", "double", "0", "dropout on the product's input before A, while training"),
                new ParameterSpec("sites", "string", "query,value",
                        "linear sites to adapt, comma-separated, or all (BERT: query, key, value, attention.output, intermediate, output)"),
                new ParameterSpec("layers", "int-list", "", "layers to adapt (0-based, comma-separated); empty for all")));
    }

    @Override
    public LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        int r = config.getInt("r", 8);
        double alpha = config.getDouble("alpha", 8);
        double dropout = config.getDouble("dropout", 0);
        List<String> sites = Sites.names(config, "query,value");
        List<Integer> layers = Sites.layers(config);
        if (r < 1) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'lora', key 'r': " + r + "; expected a rank of at least 1");
        }
        if (!(alpha > 0)) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'lora', key 'alpha': " + alpha + "; expected > 0");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InfuseException("config-bad-value", "in-layer plug-in 'lora', key 'dropout': " + dropout
                    + "; expected a rate in [0, 1)");
        }
        return new LoraPlugin(r, alpha, (float) dropout, sites, layers, config.effective());
    }

    /** Reads a PEFT LoRA folder (an {@code adapter_config.json} with a {@code peft_type}); see {@link PeftLora}. */
    @Override
    public Optional<Imported> importFolder(Path dir, Backbone backbone) {
        if (!PeftLora.isPeftFolder(dir)) {
            return Optional.empty();
        }
        return Optional.of(PeftLora.read(dir, PeftLora.Base.of(backbone)));
    }

    /** {@code peft} on a BERT backbone. */
    @Override
    public Optional<String> exportFormat(LayerPlugin plugin, Backbone backbone) {
        return plugin instanceof LoraPlugin && PeftLora.Base.of(backbone).bertLike() ? Optional.of(PeftLora.FORMAT) : Optional.empty();
    }

    @Override
    public void exportFolder(Path dir, LayerPlugin plugin, Map<String, float[]> weights, Map<String, long[]> shapes,
            Backbone backbone) {
        if (!(plugin instanceof LoraPlugin lora)) {
            throw new IllegalArgumentException("not a lora plug-in: " + plugin.name());
        }
        PeftLora.write(dir, lora.rank(), lora.alpha(), lora.dropout(), lora.targets(backbone.layerSites(), backbone.spec()),
                weights, shapes, PeftLora.Base.of(backbone));
    }
}
