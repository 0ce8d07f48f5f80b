package dev.infuse.adapter.factual;

import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.util.List;

/** Provides the {@code factual} adapter. */
public final class FactualAdapterProvider implements AdapterProvider {
    /** Provider name. */
    public static final String NAME = "factual";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return "0.1.0";
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public String description() {
        return "K-Adapter factual adapter: side network pretrained on relation classification over Wikidata-aligned sentences";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return SideAdapterConfig.parameterSpecs();
    }

    @Override
    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        return new SideAdapter(NAME, SideAdapterConfig.from(config, backbone.layers()));
    }
}
