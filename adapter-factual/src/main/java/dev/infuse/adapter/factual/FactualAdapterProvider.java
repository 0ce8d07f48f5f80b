package dev.infuse.adapter.factual;

import dev.infuse.nn.SideAdapterProvider;
import dev.infuse.spi.Spi;

/** Provides the {@code factual} adapter. */
public final class FactualAdapterProvider extends SideAdapterProvider {
    /** Provider name. */
    public static final String NAME = "factual";

    public FactualAdapterProvider() {
        super(NAME, "0.1.0", "K-Adapter factual adapter: side network pretrained on relation classification over Wikidata-aligned sentences");
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }
}
