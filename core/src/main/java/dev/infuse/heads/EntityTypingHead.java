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
 * Multi-label entity typing as K-Adapter does it: the vector at the mention's first marker,
 * one dense layer, an independent sigmoid per type, binary cross-entropy.
 *
 * <p>Model inputs: {@code marker_positions} {@code [batch]} (flat positions) and
 * {@code type_labels} {@code [batch, types]} (0/1). Outputs {@code logits} and
 * {@code probabilities} ({@code [batch, types]}); a type is predicted when its probability is above 0.5.
 */
public final class EntityTypingHead implements TaskHead {
    private final int types;
    private final float dropout;

    public EntityTypingHead(int types, float dropout) {
        if (types < 1) {
            throw new IllegalArgumentException("entity typing needs at least one type");
        }
        this.types = types;
        this.dropout = dropout;
    }

    @Override
    public String name() {
        return "entity-typing";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("types", types);
        m.put("dropout", (double) dropout);
        return m;
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TInt32> marker = scope.input("marker_positions", TInt32.class, -1);
        Operand<TFloat32> x = scope.dropout(Gather.tokens(scope, model, marker), dropout);
        Operand<TFloat32> logits = Dense.apply(scope, "classifier", x, h, types, Initializers.truncatedNormal(0.02));
        Operand<TFloat32> z = scope.input("type_labels", TFloat32.class, -1, types);
        // Numerically stable sigmoid cross-entropy: relu(x) - x z + log(1 + exp(-|x|)).
        Operand<TFloat32> perLabel = tf.math.add(tf.math.sub(tf.nn.relu(logits), tf.math.mul(logits, z)),
                tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
        Operand<TFloat32> loss = tf.math.mean(tf.reduceSum(perLabel, tf.constant(1)), tf.constant(0));
        return new HeadOutputs(loss, Map.of("logits", logits, "probabilities", tf.math.sigmoid(logits)));
    }
}
