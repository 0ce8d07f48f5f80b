package com.example.houlsby;

import dev.infuse.nn.Activation;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A bottleneck side adapter in the style of Houlsby et al.: reads one hidden layer, projects it down
 * to {@code bottleneck} units, applies GELU, projects back up and adds the input (residual).
 */
public final class HoulsbyAdapterProvider implements AdapterProvider {

    @Override
    public String name() {
        return "houlsby";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION; // inlined at compile time: the host sees the SPI version this jar was built against
    }

    @Override
    public String description() {
        return "bottleneck side adapter (down-projection, GELU, up-projection, residual) over one layer";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                new ParameterSpec("bottleneck", "int", "64", "width of the bottleneck"),
                new ParameterSpec("tap", "int", "-1", "hidden state read (-1 = last layer)"));
    }

    @Override
    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        int bottleneck = config.getInt("bottleneck", 64);
        int tap = config.getInt("tap", -1);
        int resolvedTap = tap < 0 ? backbone.layers() : tap;
        Map<String, Object> effective = config.effective();
        return new KnowledgeAdapter() {
            @Override
            public String name() {
                return "houlsby";
            }

            @Override
            public Map<String, Object> config() {
                return effective;
            }

            @Override
            public List<Integer> taps() {
                return List.of(resolvedTap);
            }

            @Override
            public Optional<Operand<TFloat32>> sideOutput(ModelScope scope, HiddenStates states) {
                int h = states.hiddenSize();
                Operand<TFloat32> x = states.tap(resolvedTap);
                Operand<TFloat32> down = Dense.apply(scope, "down", x, h, bottleneck, Initializers.normal(1e-3));
                Operand<TFloat32> act = Activation.GELU.apply(scope.tf(), down);
                Operand<TFloat32> up = Dense.apply(scope, "up", act, bottleneck, h, Initializers.normal(1e-3));
                return Optional.of(scope.tf().math.add(x, up));
            }
        };
    }
}
