package dev.infuse.spi;

/** Discovers and creates a {@link LayerPlugin} (SPI 1.2). */
public interface LayerPluginProvider extends InfusePlugin {

    /**
     * @param config the plug-in's hyper-parameters (read through the getters, which consume them)
     * @param backbone the architecture it will act in
     */
    LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context);
}
