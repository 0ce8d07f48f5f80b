package dev.infuse.adapter.kilm;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.testkit.AdapterProviderConformance;
import java.util.Map;

class KilmAdapterConformanceTest extends AdapterProviderConformance {
    @Override
    protected AdapterProvider provider() {
        return new KilmAdapterProvider();
    }

    @Override
    protected Map<String, Object> smallConfig() {
        return Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
    }
}
