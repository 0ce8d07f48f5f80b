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

/** K-Adapter: per adapter {@code Linear(2H -> H)} over {@code [backbone ; adapter]}, then {@code Linear(kH -> H)} over the results. */
public final class ConcatFusion extends BuiltInFusion {
    @Override
    public String name() {
        return "concat";
    }

    @Override
    public String description() {
        return "K-Adapter fusion: Linear(2H->H) over backbone+adapter per adapter, then Linear(kH->H) over adapters";
    }

    @Override
    public Fusion create(PluginConfig config, BackboneSpec spec, int adapterCount, PluginContext context) {
        int h = spec.hiddenSize();
        return new SimpleFusion(name(), config.effective(), (scope, backbone, adapters) -> {
            Ops tf = scope.tf();
            List<Operand<TFloat32>> per = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                per.add(Dense.apply(scope, "adapter_" + i, BuiltInFusion.concatLast(tf, List.of(backbone, adapters.get(i))),
                        2 * h, h, Initializers.truncatedNormal(0.02)));
            }
            return per.size() == 1 ? per.get(0)
                    : Dense.apply(scope, "combine", BuiltInFusion.concatLast(tf, per), per.size() * h, h, Initializers.truncatedNormal(0.02));
        });
    }
}
