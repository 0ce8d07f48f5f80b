package dev.infuse.layer.common;

import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.Spi;
import java.util.List;

/** Name, version, description and parameters of a built-in in-layer plug-in provider. */
public abstract class BuiltInLayerProvider implements LayerPluginProvider {
    private final String name;
    private final String description;
    private final List<ParameterSpec> parameters;

    protected BuiltInLayerProvider(String name, String description, List<ParameterSpec> parameters) {
        this.name = name;
        this.description = description;
        this.parameters = List.copyOf(parameters);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String version() {
        return "0.1.0";
    }

    @Override
    public final String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final List<ParameterSpec> parameters() {
        return parameters;
    }
}
