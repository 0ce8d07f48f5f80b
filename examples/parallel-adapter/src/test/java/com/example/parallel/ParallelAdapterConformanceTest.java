package com.example.parallel;

import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;
import java.util.Map;

/** The test kit's conformance suite: provider rules, exact identity at start, frozen backbone, reproducible weights. */
class ParallelAdapterConformanceTest extends LayerPluginProviderConformance {
    @Override
    protected LayerPluginProvider provider() {
        return new ParallelAdapterProvider();
    }

    @Override
    protected Map<String, Object> smallConfig() {
        return Map.of("bottleneck", 8);
    }
}
