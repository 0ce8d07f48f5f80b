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

/** Shared metadata and helpers of the built-in fusions. */
abstract class BuiltInFusion implements FusionProvider {
    static final String VERSION = "0.1.0";

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }

    static Operand<TFloat32> concatLast(Ops tf, List<Operand<TFloat32>> xs) {
        return tf.concat(xs, tf.constant(-1));
    }

    /** The part of a fusion that runs when there is at least one adapter output. */
    interface Body {
        Operand<TFloat32> fuse(ModelScope scope, Operand<TFloat32> backbone, List<Operand<TFloat32>> adapters);
    }

    /** A fusion that is the identity without adapters and {@code body} otherwise. */
    record SimpleFusion(String name, Map<String, Object> config, Body body) implements Fusion {
        @Override
        public Operand<TFloat32> fuse(ModelScope scope, Operand<TFloat32> backbone, List<Operand<TFloat32>> adapters,
                Operand<TFloat32> mask) {
            return adapters.isEmpty() ? backbone : body.fuse(scope, backbone, adapters);
        }
    }
}
