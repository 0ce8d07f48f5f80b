package dev.infuse.testkit;

import dev.infuse.spi.FusionProvider;
import org.junit.jupiter.api.Nested;

/** The built-in fusions ({@code add}, {@code concat}, {@code attention}, {@code residual}) pass the fusion conformance suite. */
class BuiltInFusionConformanceTest {
    @Nested
    class Add extends FusionProviderConformance {
        @Override
        protected FusionProvider provider() {
            return TinyBackbones.fusion("add");
        }
    }

    @Nested
    class Concat extends FusionProviderConformance {
        @Override
        protected FusionProvider provider() {
            return TinyBackbones.fusion("concat");
        }
    }

    @Nested
    class Attention extends FusionProviderConformance {
        @Override
        protected FusionProvider provider() {
            return TinyBackbones.fusion("attention");
        }
    }

    @Nested
    class Residual extends FusionProviderConformance {
        @Override
        protected FusionProvider provider() {
            return TinyBackbones.fusion("residual");
        }
    }
}
