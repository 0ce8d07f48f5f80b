package dev.infuse.internal.fusion;

import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * {@code backbone + sum_i Linear_i(adapter_i)}, every {@code Linear(H -> H)} initialised to zero: at initialisation the
 * fused features are exactly the backbone's, so a downstream model starts as the model without adapters and moves
 * away from it only as far as training finds the adapters useful (the principle of LoRA's {@code B = 0}). Against
 * {@code concat}, whose randomly initialised {@code Linear(2H -> H)} mixes the backbone's own features too, this
 * separates what the adapters add from what re-learning the backbone's features through a new layer costs.
 */
public final class ResidualFusion extends BuiltInFusion {
    @Override
    public String name() {
        return "residual";
    }

    @Override
    public String description() {
        return "backbone + zero-initialised Linear(H->H) of every adapter output: exactly the backbone's features at initialisation";
    }

    @Override
    public Fusion create(PluginConfig config, BackboneSpec spec, int adapterCount, PluginContext context) {
        int h = spec.hiddenSize();
        return new SimpleFusion(name(), config.effective(), (scope, backbone, adapters) -> {
            Operand<TFloat32> sum = backbone;
            for (int i = 0; i < adapters.size(); i++) {
                sum = scope.tf().math.add(sum, Dense.apply(scope, "adapter_" + i, adapters.get(i), h, h, Initializers.zeros()));
            }
            return sum;
        });
    }
}
