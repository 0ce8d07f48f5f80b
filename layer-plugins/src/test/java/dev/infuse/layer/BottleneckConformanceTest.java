package dev.infuse.layer;

import dev.infuse.layer.bottleneck.BottleneckProvider;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;

class BottleneckConformanceTest extends LayerPluginProviderConformance {
    @Override
    protected LayerPluginProvider provider() {
        return new BottleneckProvider();
    }
}
