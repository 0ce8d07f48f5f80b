package dev.infuse.spi;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Combines the backbone's last hidden layer with the outputs of the side adapters into the
 * representation heads read. Built in its own trainable scope (a fusion usually has weights, e.g.
 * K-Adapter's {@code Linear(2H -> H)} per adapter).
 */
public interface Fusion {

    /** The provider name. */
    String name();

    /** The effective configuration, as for {@link KnowledgeAdapter#config()}. */
    Map<String, Object> config();

    /**
     * @param backbone {@code [batch, time, H]}, the backbone's last layer
     * @param adapters side outputs in the order the adapters were given, each {@code [batch, time, H]};
     *     may be empty, in which case implementations return {@code backbone}
     * @param mask {@code [batch, time]}, 1 for real tokens
     * @return {@code [batch, time, H]}
     */
    Operand<TFloat32> fuse(ModelScope scope, Operand<TFloat32> backbone, List<Operand<TFloat32>> adapters,
            Operand<TFloat32> mask);
}
