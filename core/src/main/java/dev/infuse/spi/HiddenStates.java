package dev.infuse.spi;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The frozen backbone's hidden states, one per "tap": tap 0 is the embedding output (after
 * position/type embeddings and layer normalisation), tap {@code i} the output of transformer layer
 * {@code i} (1-based), tap {@link #layerCount()} the last layer. Side adapters read any of them.
 *
 * <p>When an activation cache is in use the runtime hands side adapters an implementation whose
 * taps are fed from disk rather than computed: adapters must not assume more than this interface.
 */
public interface HiddenStates {

    /** Number of transformer layers {@code L}; valid taps are {@code 0..L}. */
    int layerCount();

    /** Hidden size {@code H}. */
    int hiddenSize();

    /**
     * @param index {@code 0..layerCount()}
     * @return {@code [batch, time, H]}
     * @throws InfuseException {@code config-bad-tap} for an index out of range
     */
    Operand<TFloat32> tap(int index);

    /** The last layer, {@code tap(layerCount())}. */
    default Operand<TFloat32> last() {
        return tap(layerCount());
    }

    /** {@code [batch, time]}: 1 for real tokens, 0 for padding. */
    Operand<TFloat32> mask();
}
