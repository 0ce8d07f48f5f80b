package dev.infuse.adapter.linguistic;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.testkit.AdapterProviderConformance;
import java.util.Map;

class LinguisticAdapterConformanceTest extends AdapterProviderConformance {
    @Override
    protected AdapterProvider provider() {
        return new LinguisticAdapterProvider();
    }

    @Override
    protected Map<String, Object> smallConfig() {
        return Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
    }
}
