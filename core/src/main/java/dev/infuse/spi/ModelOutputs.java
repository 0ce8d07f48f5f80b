package dev.infuse.spi;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link TaskHead} reads: the fused sequence representation plus access to the frozen
 * backbone's own pre-trained heads.
 */
public interface ModelOutputs {

    /** {@code [batch, time, H]}: the fusion's output (the backbone's last layer if no side adapter). */
    Operand<TFloat32> sequence();

    /** The backbone's hidden states, unfused. */
    HiddenStates backboneStates();

    /** {@code [batch, time]}: 1 for real tokens. */
    Operand<TFloat32> mask();

    /** The frozen masked-LM head: {@code [n, H]} to {@code [n, vocabulary]} logits. */
    Operand<TFloat32> maskedLmLogits(Operand<TFloat32> hidden);

    /** The frozen pooler over {@link #backboneStates()}: {@code [batch, H]}. */
    Operand<TFloat32> pooled();

    BackboneSpec spec();
}
