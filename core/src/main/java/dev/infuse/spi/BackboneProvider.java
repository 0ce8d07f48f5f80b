package dev.infuse.spi;

/**
 * Discovers and creates a {@link Backbone}. Creating one may be expensive (loading hundreds of
 * megabytes of weights); discovery is not.
 */
public interface BackboneProvider extends InfusePlugin {

    /**
     * @param config e.g. a {@code path} to model files; unknown keys are rejected after this returns
     * @throws InfuseException {@code backbone-*} codes for missing or inconsistent model files
     */
    Backbone create(PluginConfig config, PluginContext context);
}
