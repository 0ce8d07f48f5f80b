package dev.infuse.heads;

import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.HeadOutputs;
import dev.infuse.spi.ModelOutputs;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.TaskHead;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Single-label classification from the fused representation, read either at {@code [CLS]} or as
 * the mean over real tokens. Reads the model input {@code labels} {@code [batch]}; outputs
 * {@code logits} and {@code probabilities}.
 */
public final class SequenceClassificationHead implements TaskHead {
    /** How the sequence is reduced to one vector. */
    public enum Pooling { CLS, MEAN }

    private final int classes;
    private final float dropout;
    private final Pooling pooling;

    public SequenceClassificationHead(int classes, float dropout) {
        this(classes, dropout, Pooling.CLS);
    }

    public SequenceClassificationHead(int classes, float dropout, Pooling pooling) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        this.classes = classes;
        this.dropout = dropout;
        this.pooling = pooling;
    }

    @Override
    public String name() {
        return "sequence-classification";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("classes", classes);
        m.put("dropout", (double) dropout);
        m.put("pooling", pooling.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TFloat32> seq = model.sequence();
        Operand<TFloat32> cls;
        if (pooling == Pooling.CLS) {
            cls = tf.squeeze(tf.slice(seq, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, 1, -1})),
                    org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
        } else {
            Operand<TFloat32> mask = tf.expandDims(model.mask(), tf.constant(-1));
            cls = tf.math.div(tf.reduceSum(tf.math.mul(seq, mask), tf.constant(1)), tf.reduceSum(mask, tf.constant(1)));
        }
        cls = scope.dropout(cls, dropout);
        Operand<TFloat32> logits = Dense.apply(scope, "classifier", cls, h, classes, Initializers.truncatedNormal(0.02));
        Operand<TInt32> labels = scope.input("labels", TInt32.class, -1);
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
        Operand<TFloat32> loss = tf.math.mean(perExample, tf.constant(0));
        return new HeadOutputs(loss, Map.of("logits", logits, "probabilities", tf.nn.softmax(logits)));
    }
}
