package dev.infuse.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Discovers and creates a {@link LayerPlugin} (SPI 1.2).
 *
 * <p>A provider may also exchange its plug-ins with another library (the built-in {@code lora} reads
 * and writes Hugging Face PEFT's LoRA folders): {@link #importFolder} reads such a folder as a
 * configuration plus weights, {@link #exportFormat} and {@link #exportFolder} write a trained plug-in
 * in that format. Both are optional; the defaults exchange nothing.
 */
public interface LayerPluginProvider extends InfusePlugin {

    /**
     * @param config the plug-in's hyper-parameters (read through the getters, which consume them)
     * @param backbone the architecture it will act in
     */
    LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context);

    /**
     * Reads a folder written by another library as this provider's plug-in for {@code backbone}. Every
     * weight is checked against the backbone's {@link Backbone#layerSites() sites} here, before anything
     * is built or trained.
     *
     * @return empty when {@code dir} is not in a format this provider reads (another provider may);
     *     the configuration (for {@link #create}) and the weights when it is
     * @throws InfuseException when {@code dir} is in this provider's format but cannot be used on
     *     {@code backbone}: one message naming the file, the key or tensor, and what was expected
     */
    default Optional<Imported> importFolder(Path dir, Backbone backbone) {
        return Optional.empty();
    }

    /**
     * The name of the other library's format {@code plugin} can be written in on {@code backbone}
     * (e.g. {@code peft}), or empty when it has none there. A run writes the folder as
     * {@code <out>/<plug-in name>-<format>}.
     */
    default Optional<String> exportFormat(LayerPlugin plugin, Backbone backbone) {
        return Optional.empty();
    }

    /**
     * Writes {@code plugin} with its trained weights into {@code dir} in the format named by
     * {@link #exportFormat}, atomically (the folder is the old one or the complete new one).
     *
     * @param weights the plug-in's parameters by local name, as {@code ComposedModel.weights("layer.<name>")}
     * @param shapes their shapes
     */
    default void exportFolder(Path dir, LayerPlugin plugin, Map<String, float[]> weights, Map<String, long[]> shapes,
            Backbone backbone) {
        throw new UnsupportedOperationException(name() + " exports no folder");
    }

    /**
     * A plug-in read from another library's folder.
     *
     * @param format the format's name, e.g. {@code peft}
     * @param config the configuration to {@link #create} the plug-in with
     * @param weights its parameters by local name (e.g. {@code layer_0/query/lora_a}), ready for
     *     {@code ComposedModel.loadWeights("layer.<name>", weights)}
     */
    record Imported(String format, Map<String, Object> config, Map<String, float[]> weights) {
        public Imported {
            Objects.requireNonNull(format, "format");
            config = Map.copyOf(config);
            weights = Map.copyOf(weights);
        }
    }
}
