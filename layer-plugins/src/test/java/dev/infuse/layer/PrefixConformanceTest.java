package dev.infuse.layer;

import dev.infuse.layer.prefix.PrefixProvider;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;

class PrefixConformanceTest extends LayerPluginProviderConformance {
    @Override
    protected LayerPluginProvider provider() {
        return new PrefixProvider();
    }
}
