package dev.infuse.nn;

import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ModelScope;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The K-Adapter side network: one adapter layer per tap. Adapter layer {@code i} reads
 * {@code h[tap_i] + out_{i-1}} (the previous adapter layer's output, zero for the first), applies
 * down-projection {@code H -> adapterSize}, {@code transformerLayers} transformer layers and
 * up-projection back to {@code H}, and adds its input as a residual. The last adapter layer's output
 * is the adapter's output. Nothing flows back into the backbone.
 */
public final class SideAdapterStack {
    private SideAdapterStack() {}

    /**
     * @return {@code [batch, time, H]}
     */
    public static Operand<TFloat32> apply(ModelScope scope, SideAdapterConfig c, HiddenStates states) {
        int h = states.hiddenSize();
        for (int tap : c.taps()) {
            if (tap < 0 || tap > states.layerCount()) {
                throw new InfuseException("config-bad-tap", "tap " + tap + " is outside 0.." + states.layerCount()
                        + " for a backbone with " + states.layerCount() + " layers");
            }
        }
        var tf = scope.tf();
        Operand<TFloat32> bias = TransformerLayer.attentionBias(tf, states.mask());
        TransformerConfig inner = new TransformerConfig(c.adapterSize(), c.heads(), c.intermediateSize(),
                Activation.GELU, c.dropout(), c.dropout(), 1e-12f, 0.02);
        Operand<TFloat32> previous = null;
        for (int i = 0; i < c.taps().size(); i++) {
            ModelScope layer = scope.child("layer_" + i);
            Operand<TFloat32> input = states.tap(c.taps().get(i));
            if (previous != null) {
                input = tf.math.add(input, previous);
            }
            Operand<TFloat32> x = Dense.apply(layer, "down", input, h, c.adapterSize(),
                    Initializers.normal(c.projectionInitStd()));
            for (int j = 0; j < c.transformerLayers(); j++) {
                x = TransformerLayer.apply(layer.child("transformer_" + j), inner, x, bias);
            }
            Operand<TFloat32> up = Dense.apply(layer, "up", x, c.adapterSize(), h,
                    Initializers.normal(c.projectionInitStd()));
            previous = tf.math.add(input, up);
        }
        return previous;
    }
}
