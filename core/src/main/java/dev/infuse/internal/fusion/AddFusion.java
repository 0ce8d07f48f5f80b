package dev.infuse.internal.fusion;

import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** {@code backbone + sum(adapters)}: no parameters. */
public final class AddFusion extends BuiltInFusion {
    @Override
    public String name() {
        return "add";
    }

    @Override
    public String description() {
        return "sum of the backbone's last layer and every adapter output (no parameters)";
    }

    @Override
    public Fusion create(PluginConfig config, BackboneSpec spec, int adapterCount, PluginContext context) {
        return new SimpleFusion(name(), config.effective(), (scope, backbone, adapters) -> {
            Operand<TFloat32> sum = backbone;
            for (Operand<TFloat32> a : adapters) {
                sum = scope.tf().math.add(sum, a);
            }
            return sum;
        });
    }
}
