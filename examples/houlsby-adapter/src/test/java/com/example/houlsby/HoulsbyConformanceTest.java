package com.example.houlsby;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.testkit.AdapterProviderConformance;
import java.util.Map;

/** The test kit's conformance suite: provider rules, frozen backbone, trainable adapter, reproducible weights. */
class HoulsbyConformanceTest extends AdapterProviderConformance {
    @Override
    protected AdapterProvider provider() {
        return new HoulsbyAdapterProvider();
    }

    @Override
    protected Map<String, Object> smallConfig() {
        return Map.of("bottleneck", 8);
    }
}
