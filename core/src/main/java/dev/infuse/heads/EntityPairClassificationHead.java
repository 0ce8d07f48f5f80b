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
 * Relation classification as K-Adapter does it: the vectors at the subject's and the object's
 * start markers are concatenated and classified by one dense layer with softmax.
 *
 * <p>Model inputs: {@code marker_positions} {@code [batch, 2]} (flat positions {@code b * time + t}
 * of the subject and object start markers) and {@code labels} {@code [batch]}. Outputs
 * {@code logits} and {@code probabilities}.
 */
public final class EntityPairClassificationHead implements TaskHead {
    private final int classes;
    private final float dropout;

    public EntityPairClassificationHead(int classes, float dropout) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        this.classes = classes;
        this.dropout = dropout;
    }

    @Override
    public String name() {
        return "entity-pair-classification";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("classes", classes);
        m.put("dropout", (double) dropout);
        return m;
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TInt32> markers = scope.input("marker_positions", TInt32.class, -1, 2);
        Operand<TFloat32> pair = tf.reshape(Gather.tokens(scope, model, markers), tf.constant(new int[] {-1, 2 * h}));
        pair = scope.dropout(pair, dropout);
        Operand<TFloat32> logits = Dense.apply(scope, "classifier", pair, 2 * h, classes, Initializers.truncatedNormal(0.02));
        Operand<TInt32> labels = scope.input("labels", TInt32.class, -1);
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
        return new HeadOutputs(loss, Map.of("logits", logits, "probabilities", tf.nn.softmax(logits)));
    }
}
