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

/**
 * AdapterFusion-style: per token, attention of the backbone's vector (query) over the backbone's
 * and every adapter's vectors (keys, values); the value projection starts as the identity so the
 * untrained fusion averages its inputs.
 */
public final class AttentionFusion extends BuiltInFusion {
    @Override
    public String name() {
        return "attention";
    }

    @Override
    public String description() {
        return "AdapterFusion-style attention over the backbone's and adapters' outputs";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(new ParameterSpec("temperature", "float", "1.0", "softmax temperature of the fusion attention"));
    }

    @Override
    public Fusion create(PluginConfig config, BackboneSpec spec, int adapterCount, PluginContext context) {
        int h = spec.hiddenSize();
        float temperature = (float) config.getDouble("temperature", 1.0);
        return new SimpleFusion(name(), config.effective(), (scope, backbone, adapters) -> {
            Ops tf = scope.tf();
            List<Operand<TFloat32>> candidates = new ArrayList<>();
            candidates.add(backbone);
            candidates.addAll(adapters);
            Operand<TFloat32> q = Dense.apply(scope, "query", backbone, h, h, Initializers.normal(0.02));
            ModelScope ks = scope.child("key");
            Dense key = new Dense(ks, h, h, Initializers.normal(0.02));
            ModelScope vs = scope.child("value");
            Dense value = new Dense(vs, h, h, identity(h));
            List<Operand<TFloat32>> scores = new ArrayList<>();
            List<Operand<TFloat32>> values = new ArrayList<>();
            for (Operand<TFloat32> c : candidates) {
                Operand<TFloat32> s = tf.reduceSum(tf.math.mul(q, key.apply(ks, c)), tf.constant(-1),
                        org.tensorflow.op.core.ReduceSum.keepDims(true));
                scores.add(tf.math.div(s, tf.constant((float) Math.sqrt(h) * temperature)));
                values.add(tf.expandDims(value.apply(vs, c), tf.constant(2)));
            }
            Operand<TFloat32> weights = tf.nn.softmax(BuiltInFusion.concatLast(tf, scores)); // [B,T,k+1]
            Operand<TFloat32> stacked = tf.concat(values, tf.constant(2)); // [B,T,k+1,H]
            Operand<TFloat32> w = tf.expandDims(weights, tf.constant(-1));
            return tf.reduceSum(tf.math.mul(stacked, w), tf.constant(2));
        });
    }

    private static dev.infuse.spi.Initializer identity(int h) {
        return (shape, random) -> {
            float[] v = new float[h * h];
            for (int i = 0; i < h; i++) {
                v[i * h + i] = 1f;
            }
            return v;
        };
    }
}
