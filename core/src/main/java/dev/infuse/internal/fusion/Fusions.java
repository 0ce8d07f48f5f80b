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

/** The built-in fusions: {@code concat} (K-Adapter's), {@code add} and {@code attention} (AdapterFusion-style). */
public final class Fusions {
    private Fusions() {}

    static final String VERSION = "0.1.0";

    /** Base for the three providers: common metadata. */
    abstract static class Base implements FusionProvider {
        @Override
        public String version() {
            return VERSION;
        }

        @Override
        public String requestedSpiVersion() {
            return Spi.VERSION;
        }
    }

    static Operand<TFloat32> concatLast(Ops tf, List<Operand<TFloat32>> xs) {
        return tf.concat(xs, tf.constant(-1));
    }

    record Simple(String name, Map<String, Object> config, Body body) implements Fusion {
        @Override
        public Operand<TFloat32> fuse(ModelScope scope, Operand<TFloat32> backbone, List<Operand<TFloat32>> adapters,
                Operand<TFloat32> mask) {
            return adapters.isEmpty() ? backbone : body.fuse(scope, backbone, adapters);
        }
    }

    interface Body {
        Operand<TFloat32> fuse(ModelScope scope, Operand<TFloat32> backbone, List<Operand<TFloat32>> adapters);
    }

    /** K-Adapter: per adapter {@code Linear(2H -> H)} over {@code [backbone ; adapter]}, then {@code Linear(kH -> H)} over the results. */
    public static final class Concat extends Base {
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
            return new Simple(name(), config.effective(), (scope, backbone, adapters) -> {
                Ops tf = scope.tf();
                List<Operand<TFloat32>> per = new ArrayList<>();
                for (int i = 0; i < adapters.size(); i++) {
                    per.add(Dense.apply(scope, "adapter_" + i, concatLast(tf, List.of(backbone, adapters.get(i))),
                            2 * h, h, Initializers.truncatedNormal(0.02)));
                }
                return per.size() == 1 ? per.get(0)
                        : Dense.apply(scope, "combine", concatLast(tf, per), per.size() * h, h, Initializers.truncatedNormal(0.02));
            });
        }
    }

    /** {@code backbone + sum(adapters)}: no parameters. */
    public static final class Add extends Base {
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
            return new Simple(name(), config.effective(), (scope, backbone, adapters) -> {
                Operand<TFloat32> sum = backbone;
                for (Operand<TFloat32> a : adapters) {
                    sum = scope.tf().math.add(sum, a);
                }
                return sum;
            });
        }
    }

    /**
     * AdapterFusion-style: per token, attention of the backbone's vector (query) over the backbone's
     * and every adapter's vectors (keys, values); the value projection starts as the identity so the
     * untrained fusion averages its inputs.
     */
    public static final class Attention extends Base {
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
            return new Simple(name(), config.effective(), (scope, backbone, adapters) -> {
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
                Operand<TFloat32> weights = tf.nn.softmax(concatLast(tf, scores)); // [B,T,k+1]
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
}
