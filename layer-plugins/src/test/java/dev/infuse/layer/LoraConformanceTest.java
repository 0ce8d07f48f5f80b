package dev.infuse.layer;

import dev.infuse.layer.lora.LoraProvider;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;

class LoraConformanceTest extends LayerPluginProviderConformance {
    @Override
    protected LayerPluginProvider provider() {
        return new LoraProvider();
    }
}
