package dev.infuse.spi;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link LayerPlugin} does at one {@link LayerSite} of one layer: one of four edits, each of
 * which leaves the backbone's frozen weights untouched. Tensors are fp32 whatever the backbone's
 * {@linkplain Backbone#precision() precision}; rows are the batch's tokens flattened to
 * {@code [batch * time, width]}.
 */
public sealed interface SiteEdit permits SiteEdit.LinearDelta, SiteEdit.BiasOffset, SiteEdit.Residual, SiteEdit.Prefix {

    /**
     * A trainable update added to a frozen linear's output: {@code y = x W + b + delta(x)} (LoRA's
     * {@code (alpha / r) B A x}). Must return zeros at initialisation for the plug-in to start as the
     * frozen model.
     *
     * @param delta maps the linear's input {@code [rows, in]} to {@code [rows, out]}
     */
    record LinearDelta(UnaryOperator<Operand<TFloat32>> delta) implements SiteEdit {
        public LinearDelta {
            Objects.requireNonNull(delta, "delta");
        }
    }

    /**
     * A trainable offset added to a frozen bias: a linear's {@code b} or a layer norm's shift (BitFit).
     *
     * @param offset {@code [out]} (the site's output size)
     */
    record BiasOffset(Operand<TFloat32> offset) implements SiteEdit {
        public BiasOffset {
            Objects.requireNonNull(offset, "offset");
        }
    }

    /**
     * A module on a sub-layer's output {@code h}, applied as {@code h + module(h)} before the
     * sub-layer's residual sum and layer norm (Houlsby and Pfeiffer bottleneck adapters).
     *
     * @param module maps {@code [rows, H]} to {@code [rows, H]}
     */
    record Residual(UnaryOperator<Operand<TFloat32>> module) implements SiteEdit {
        public Residual {
            Objects.requireNonNull(module, "module");
        }
    }

    /**
     * Trainable keys and values prepended to the attention's own (prefix tuning). Every query
     * attends to them; padding masks do not apply to them.
     *
     * @param keys {@code [P, H]}, P virtual tokens
     * @param values {@code [P, H]}
     * @param gate null for the published form (one softmax over prefix and sequence, Li and Liang 2021),
     *     or a trainable scalar {@code g}: the prefix is attended to by its own softmax and its result added
     *     scaled by {@code tanh(g)} to the unchanged attention (zero-initialised gating, Zhang et al. 2023),
     *     which makes the plug-in an exact identity at {@code g = 0}
     */
    record Prefix(Operand<TFloat32> keys, Operand<TFloat32> values, Operand<TFloat32> gate) implements SiteEdit {
        public Prefix {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(values, "values");
        }
    }
}
