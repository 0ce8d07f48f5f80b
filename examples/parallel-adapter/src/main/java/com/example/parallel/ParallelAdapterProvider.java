package com.example.parallel;

import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.SiteEdit;
import dev.infuse.spi.Spi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A parallel adapter (He et al., 2022) beside the feed-forward output product of every layer: the
 * frozen {@code output} linear's result gets {@code scale * up(relu(down(x)))} added, {@code x} being
 * that product's input. {@code up} starts at zero, so the plug-in starts as the frozen model.
 */
public final class ParallelAdapterProvider implements LayerPluginProvider {

    @Override
    public String name() {
        return "parallel-adapter";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public String description() {
        return "parallel adapter beside each layer's feed-forward output product (He et al. 2022)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(new ParameterSpec("bottleneck", "int", "64", "width of the adapter"),
                new ParameterSpec("scale", "double", "4", "factor on the adapter's output"));
    }

    @Override
    public LayerPlugin create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        int width = config.getInt("bottleneck", 64);
        double scale = config.getDouble("scale", 4);
        if (width < 1) {
            throw new InfuseException("config-bad-value", "parallel-adapter: bottleneck " + width + "; expected at least 1");
        }
        Map<String, Object> effective = config.effective();
        return new LayerPlugin() {
            @Override
            public String name() {
                return "parallel-adapter";
            }

            @Override
            public Map<String, Object> config() {
                return effective;
            }

            @Override
            public List<Target> targets(List<LayerSite> offered, BackboneSpec spec) {
                List<Target> out = new ArrayList<>();
                for (int layer = 0; layer < spec.layers(); layer++) {
                    out.add(new Target(layer, "output"));
                }
                return out;
            }

            @Override
            public SiteEdit edit(ModelScope scope, Target target, LayerSite site) {
                ModelScope s = scope.child("layer_" + target.layer());
                Operand<TFloat32> down = s.parameter("down", new long[] {site.inputSize(), width}, Initializers.normal(0.02));
                Operand<TFloat32> up = s.parameter("up", new long[] {width, site.outputSize()}, Initializers.zeros());
                return new SiteEdit.LinearDelta(x -> {
                    Ops tf = s.tf();
                    Operand<TFloat32> h = tf.nn.relu(tf.linalg.matMul(x, down));
                    return tf.math.mul(tf.linalg.matMul(h, up), tf.constant((float) scale));
                });
            }
        };
    }
}
