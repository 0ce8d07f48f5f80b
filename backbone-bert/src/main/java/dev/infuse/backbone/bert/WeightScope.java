package dev.infuse.backbone.bert;

import dev.infuse.nn.Initializers;
import dev.infuse.spi.Initializer;
import dev.infuse.spi.ModelScope;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * A {@link ModelScope} that gives every parameter a block creates its pre-trained value. The
 * {@code dev.infuse.nn} blocks pick their own initialisers (ones for {@code gamma}, truncated normal
 * for kernels); here each request is matched by path to a loaded weight and created with
 * {@link Initializers#of}. A request for a parameter the weights lack, or with another shape, is a
 * programming error and fails at once rather than leaving a randomly initialised weight behind.
 */
final class WeightScope implements ModelScope {
    private final ModelScope delegate;
    private final BertWeights weights;
    private final String prefix;

    WeightScope(ModelScope delegate, BertWeights weights) {
        this(delegate, weights, "");
    }

    private WeightScope(ModelScope delegate, BertWeights weights, String prefix) {
        this.delegate = delegate;
        this.weights = weights;
        this.prefix = prefix;
    }

    @Override
    public Ops tf() {
        return delegate.tf();
    }

    @Override
    public ModelScope child(String name) {
        return new WeightScope(delegate.child(name), weights, prefix + name + "/");
    }

    @Override
    public ModelScope frozenChild(String name) {
        return new WeightScope(delegate.frozenChild(name), weights, prefix + name + "/");
    }

    @Override
    public String path() {
        return delegate.path();
    }

    @Override
    public boolean trainable() {
        return delegate.trainable();
    }

    @Override
    public boolean differentiable() {
        return delegate.differentiable();
    }

    @Override
    public Operand<TFloat32> parameter(String name, long[] shape, Initializer init) {
        return delegate.parameter(name, shape, initializer(name, shape));
    }

    @Override
    public Operand<TBfloat16> parameterBf16(String name, long[] shape, Initializer init) {
        return delegate.parameterBf16(name, shape, initializer(name, shape));
    }

    // The loaded weight, or one derived from loaded weights at load time (the fused Q/K/V product).
    private Initializer initializer(String name, long[] shape) {
        String full = prefix + name;
        BertWeights.Weight w = weights.get(full);
        long[] actual = w != null ? w.shape() : weights.derivedShape(full);
        if (actual == null) {
            throw new IllegalStateException("BERT graph asks for parameter '" + full + "' which the weights lack");
        }
        if (!Arrays.equals(actual, shape)) {
            throw new IllegalStateException("BERT graph asks for '" + full + "' with shape " + Arrays.toString(shape)
                    + " but the weight has " + Arrays.toString(actual));
        }
        // Derived values are computed when the runtime assigns them, not held in between.
        return w != null ? Initializers.of(w.values()) : (s, r) -> weights.derivedValues(full);
    }

    @Override
    public <T extends TType> Operand<T> input(String name, Class<T> type, long... shape) {
        return delegate.input(name, type, shape);
    }

    @Override
    public Operand<TBool> training() {
        return delegate.training();
    }

    @Override
    public Operand<TFloat32> dropout(Operand<TFloat32> x, float rate) {
        return delegate.dropout(x, rate);
    }

    @Override
    public List<String> parameterNames() {
        return delegate.parameterNames();
    }
}
