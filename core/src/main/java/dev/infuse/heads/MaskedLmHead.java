package dev.infuse.heads;

import dev.infuse.nn.Tensors;
import dev.infuse.spi.HeadOutputs;
import dev.infuse.spi.ModelOutputs;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.TaskHead;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Masked-token prediction through the backbone's own frozen MLM head: knowledge probes (LAMA),
 * map-tuning's masked mention modelling and KILM-style description infilling all use it. It has no
 * parameters; the gradient of its loss flows through the frozen backbone into whatever is trainable
 * (injected input embeddings, side adapters behind a fusion).
 *
 * <p>Model inputs: {@code mlm_positions} {@code [n]}, flat positions {@code b * time + t} of the
 * predicted tokens; {@code mlm_labels} {@code [n]}, their target ids. Outputs {@code logits} and
 * {@code probabilities}, {@code [n, vocabulary]}.
 */
public final class MaskedLmHead implements TaskHead {

    @Override
    public String name() {
        return "masked-lm";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TInt32> positions = scope.input("mlm_positions", TInt32.class, -1);
        Operand<TInt32> labels = scope.input("mlm_labels", TInt32.class, -1);
        Operand<TFloat32> flat = tf.reshape(model.sequence(), tf.constant(new int[] {-1, h}));
        Operand<TFloat32> hidden = tf.gather(flat, positions, tf.constant(0));
        Operand<TFloat32> logits = model.maskedLmLogits(hidden);
        Operand<TInt32> vocabulary = Tensors.dim(tf, logits, 1);
        Operand<TFloat32> oneHot = tf.oneHot(labels, vocabulary, tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
        return new HeadOutputs(loss, Map.of("logits", logits, "probabilities", tf.nn.softmax(logits)));
    }

    /** Flat positions for {@code mlm_positions}: {@code example * time + position}. */
    public static int[] flatPositions(List<int[]> examplePositionPairs, int time) {
        return examplePositionPairs.stream().mapToInt(p -> p[0] * time + p[1]).toArray();
    }
}
