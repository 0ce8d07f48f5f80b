package dev.infuse.layer;

import dev.infuse.layer.bottleneck.BottleneckProvider;
import dev.infuse.layer.lora.LoraProvider;
import dev.infuse.layer.prefix.PrefixProvider;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.testkit.LayerPluginProviderConformance;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/** The conformance suite over non-default configurations of the built-in plug-ins. */
class VariantConformanceTest {

    @Nested
    class LoraEverySiteWithDropout extends LayerPluginProviderConformance {
        @Override
        protected LayerPluginProvider provider() {
            return new LoraProvider();
        }

        @Override
        protected Map<String, Object> smallConfig() {
            return Map.of("r", 4, "alpha", 16, "dropout", 0.1, "sites", "all", "layers", "1");
        }
    }

    @Nested
    class BottleneckPfeiffer extends LayerPluginProviderConformance {
        @Override
        protected LayerPluginProvider provider() {
            return new BottleneckProvider();
        }

        @Override
        protected Map<String, Object> smallConfig() {
            return Map.of("placement", "pfeiffer", "reduction_factor", 4);
        }
    }

    @Nested
    class PrefixReparameterized extends LayerPluginProviderConformance {
        @Override
        protected LayerPluginProvider provider() {
            return new PrefixProvider();
        }

        @Override
        protected Map<String, Object> smallConfig() {
            return Map.of("virtual_tokens", 3, "reparameterize", true, "prefix_hidden", 16);
        }
    }
}
