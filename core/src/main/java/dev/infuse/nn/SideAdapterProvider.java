package dev.infuse.nn;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import java.util.List;

/**
 * Base of providers whose adapter is a plain K-Adapter side network ({@link SideAdapter}) under
 * their own name: what distinguishes such adapters is how they are pretrained. Subclasses still
 * implement {@link #requestedSpiVersion()} themselves ({@code return Spi.VERSION;}), so that the
 * SPI version they were compiled against is the one the host checks.
 */
public abstract class SideAdapterProvider implements AdapterProvider {
    private final String name;
    private final String version;
    private final String description;

    protected SideAdapterProvider(String name, String version, String description) {
        this.name = name;
        this.version = version;
        this.description = description;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String version() {
        return version;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public List<ParameterSpec> parameters() {
        return SideAdapterConfig.parameterSpecs();
    }

    @Override
    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        return new SideAdapter(name, SideAdapterConfig.from(config, backbone.layers()));
    }
}
