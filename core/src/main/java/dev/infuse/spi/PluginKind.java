package dev.infuse.spi;

/** The kinds of plugin the host discovers, each with its provider interface. */
public enum PluginKind {
    /** A frozen pre-trained model; see {@link BackboneProvider}. */
    BACKBONE(BackboneProvider.class),
    /** A knowledge adapter (side network, input injector, or both); see {@link AdapterProvider}. */
    ADAPTER(AdapterProvider.class),
    /** A way to combine the backbone's and the adapters' outputs; see {@link FusionProvider}. */
    FUSION(FusionProvider.class),
    /** A task: data, featurisation, head and metric; see {@link TaskProvider}. (SPI 1.1) */
    TASK(TaskProvider.class),
    /** An in-layer plug-in (LoRA, bottleneck adapter, BitFit, prefix); see {@link LayerPluginProvider}. (SPI 1.2) */
    LAYER(LayerPluginProvider.class);

    private final Class<? extends InfusePlugin> providerType;

    PluginKind(Class<? extends InfusePlugin> providerType) {
        this.providerType = providerType;
    }

    /** The {@link java.util.ServiceLoader} interface of this kind. */
    public Class<? extends InfusePlugin> providerType() {
        return providerType;
    }

    /** Lower-case name used in messages and on the command line. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
