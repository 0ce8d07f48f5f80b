package dev.infuse.heads;

import dev.infuse.spi.ModelOutputs;
import dev.infuse.spi.ModelScope;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Picking token vectors out of {@code [batch, time, H]} by flat position {@code b * time + t}. */
final class Gather {
    private Gather() {}

    /**
     * @param flatPositions any shape {@code S} of flat positions
     * @return {@code S + [H]}
     */
    static Operand<TFloat32> tokens(ModelScope scope, ModelOutputs model, Operand<TInt32> flatPositions) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TFloat32> flat = tf.reshape(model.sequence(), tf.constant(new int[] {-1, h}));
        return tf.gather(flat, flatPositions, tf.constant(0));
    }
}
