package dev.infuse.spi;

/** Discovers and creates a {@link Fusion}. */
public interface FusionProvider extends InfusePlugin {

    /**
     * @param adapterCount how many side outputs it will combine
     */
    Fusion create(PluginConfig config, BackboneSpec backbone, int adapterCount, PluginContext context);
}
