package dev.infuse.layer;

import dev.infuse.layer.bitfit.BitFitProvider;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;

class BitFitConformanceTest extends LayerPluginProviderConformance {
    @Override
    protected LayerPluginProvider provider() {
        return new BitFitProvider();
    }
}
