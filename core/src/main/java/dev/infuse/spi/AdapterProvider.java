package dev.infuse.spi;

/**
 * Discovers and creates a {@link KnowledgeAdapter} for a given backbone architecture.
 */
public interface AdapterProvider extends InfusePlugin {

    /**
     * @param config the adapter's hyper-parameters (read through the getters, which consume them)
     * @param backbone the architecture it will attach to
     */
    KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context);
}
