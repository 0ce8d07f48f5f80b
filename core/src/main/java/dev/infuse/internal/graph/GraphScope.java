package dev.infuse.internal.graph;

import dev.infuse.spi.Initializer;
import dev.infuse.spi.ModelScope;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/** {@link ModelScope} over a {@link GraphBuild}: a component name, a path and a trainability flag. */
public final class GraphScope implements ModelScope {
    private final GraphBuild build;
    private final String component;
    private final String path;
    private final boolean trainable;
    private final boolean dropout;
    // > 0: replaces the rate of every dropout point the component declares (a composition's choice,
    // e.g. the backbone's dropout during map-tuning); 0: the component's own rates.
    private final float rateOverride;
    private final boolean differentiable;
    private final Ops tf;

    GraphScope(GraphBuild build, String component, String path, boolean trainable, boolean dropout, float rateOverride) {
        this(build, component, path, trainable, dropout, rateOverride, true);
    }

    GraphScope(GraphBuild build, String component, String path, boolean trainable, boolean dropout, float rateOverride,
            boolean differentiable) {
        this.differentiable = differentiable;
        this.dropout = dropout;
        this.rateOverride = rateOverride;
        this.build = build;
        this.component = component;
        this.path = path;
        this.trainable = trainable;
        Ops ops = build.tf().withSubScope(GraphBuild.safe(component));
        for (String part : path.isEmpty() ? new String[0] : path.split("/")) {
            ops = ops.withSubScope(GraphBuild.safe(part));
        }
        this.tf = ops;
    }

    @Override
    public Ops tf() {
        return tf;
    }

    @Override
    public ModelScope child(String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("scope names are non-empty and have no '/': '" + name + "'");
        }
        return new GraphScope(build, component, path.isEmpty() ? name : path + "/" + name, trainable, dropout, rateOverride,
                differentiable);
    }

    @Override
    public ModelScope frozenChild(String name) {
        GraphScope c = (GraphScope) child(name);
        return new GraphScope(build, component, c.path, false, dropout, rateOverride, differentiable);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public boolean trainable() {
        return trainable;
    }

    @Override
    public boolean differentiable() {
        return differentiable;
    }

    /** This scope, telling what it builds that no gradient will be taken through it ({@link #differentiable()} false). */
    public GraphScope inferenceOnly() {
        return new GraphScope(build, component, path, trainable, dropout, rateOverride, false);
    }

    /** The component this scope belongs to. */
    public String component() {
        return component;
    }

    @Override
    public Operand<TFloat32> parameter(String name, long[] shape, Initializer init) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("parameter names are non-empty and have no '/': '" + name + "'");
        }
        return build.parameter(component, path.isEmpty() ? name : path + "/" + name, shape, init, trainable);
    }

    @Override
    public Operand<TBfloat16> parameterBf16(String name, long[] shape, Initializer init) {
        if (trainable) {
            return ModelScope.super.parameterBf16(name, shape, init);
        }
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("parameter names are non-empty and have no '/': '" + name + "'");
        }
        return build.parameterBf16(component, path.isEmpty() ? name : path + "/" + name, shape, init);
    }

    @Override
    public <T extends TType> Operand<T> input(String name, Class<T> type, long... shape) {
        return build.input(name, type, shape);
    }

    @Override
    public Operand<TBool> training() {
        return build.training();
    }

    @Override
    public Operand<TFloat32> dropout(Operand<TFloat32> x, float rate) {
        if (!dropout || !build.dropoutEnabled() || rate <= 0f) {
            return x;
        }
        float keep = 1f - (rateOverride > 0f ? rateOverride : rate);
        Operand<TFloat32> u = tf.random.randomUniform(tf.shape(x), TFloat32.class,
                RandomUniform.seed(build.seed()), RandomUniform.seed2(build.nextDropoutSeed()));
        Operand<TFloat32> kept = tf.math.div(tf.math.floor(tf.math.add(u, tf.constant(keep))), tf.constant(keep));
        // mask = 1 + training * (kept - 1): only Mul/Add on the path to x, all with registered gradients.
        Operand<TFloat32> on = tf.dtypes.cast(build.training(), TFloat32.class);
        Operand<TFloat32> mask = tf.math.add(tf.constant(1f), tf.math.mul(on, tf.math.sub(kept, tf.constant(1f))));
        return tf.math.mul(x, mask);
    }

    @Override
    public List<String> parameterNames() {
        String prefix = component + "/" + (path.isEmpty() ? "" : path + "/");
        return build.parameters().stream().map(GraphBuild.Parameter::name).filter(n -> n.startsWith(prefix)).toList();
    }
}
