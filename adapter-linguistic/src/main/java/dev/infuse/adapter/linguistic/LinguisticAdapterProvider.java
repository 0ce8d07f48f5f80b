package dev.infuse.adapter.linguistic;

import dev.infuse.nn.SideAdapterProvider;
import dev.infuse.spi.Spi;

/** Provides the {@code linguistic} adapter. */
public final class LinguisticAdapterProvider extends SideAdapterProvider {
    /** Provider name. */
    public static final String NAME = "linguistic";

    public LinguisticAdapterProvider() {
        super(NAME, "0.1.0", "K-Adapter linguistic adapter: side network pretrained on dependency-head prediction");
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }
}
