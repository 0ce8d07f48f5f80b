package dev.infuse.adapter.kilm;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.util.List;

/** Provides the {@code kilm} adapter (see {@link KilmAdapter}). */
public final class KilmAdapterProvider implements AdapterProvider {
    /** Provider name. */
    public static final String NAME = "kilm";

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
        return "KILM-style knowledge infilling: trainable <ent>/<ent_desc> token embeddings plus a side network "
                + "added before the frozen masked-LM head";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return KilmAdapterConfig.parameterSpecs();
    }

    @Override
    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        return new KilmAdapter(KilmAdapterConfig.from(config, backbone.layers()), backbone.hiddenSize());
    }
}
