package dev.infuse.spi;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a head builds.
 *
 * @param loss scalar training loss (mean over the batch)
 * @param outputs named predictions the task reads back after a forward pass, e.g. {@code logits}
 */
public record HeadOutputs(Operand<TFloat32> loss, Map<String, Operand<?>> outputs) {
    public HeadOutputs {
        outputs = Map.copyOf(outputs);
    }
}
