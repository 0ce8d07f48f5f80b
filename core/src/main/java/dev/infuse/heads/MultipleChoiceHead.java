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
 * Multiple choice, as K-Adapter and BERT score Cosmos QA: every (context, question + answer) pair is
 * one row of the batch, in groups of {@code choices} rows per question; the {@code [CLS]} vector of
 * each row goes through one dense layer to a single score, the scores of a question are a softmax
 * over its choices. Reads the model input {@code choice_labels} {@code [questions]} (the right
 * answer's index); outputs {@code logits} and {@code probabilities} of shape {@code [questions, choices]}.
 */
public final class MultipleChoiceHead implements TaskHead {
    private final int choices;
    private final float dropout;

    public MultipleChoiceHead(int choices, float dropout) {
        if (choices < 2) {
            throw new IllegalArgumentException("multiple choice needs at least 2 choices, got " + choices);
        }
        this.choices = choices;
        this.dropout = dropout;
    }

    @Override
    public String name() {
        return "multiple-choice";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("choices", choices);
        m.put("dropout", (double) dropout);
        return m;
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TFloat32> seq = model.sequence();
        Operand<TFloat32> cls = tf.squeeze(tf.slice(seq, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, 1, -1})),
                org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
        cls = scope.dropout(cls, dropout);
        Operand<TFloat32> score = Dense.apply(scope, "scorer", cls, h, 1, Initializers.truncatedNormal(0.02));
        Operand<TFloat32> logits = tf.reshape(score, tf.constant(new int[] {-1, choices}));
        Operand<TInt32> labels = scope.input("choice_labels", TInt32.class, -1);
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(choices), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perQuestion = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
        Operand<TFloat32> loss = tf.math.mean(perQuestion, tf.constant(0));
        return new HeadOutputs(loss, Map.of("logits", logits, "probabilities", tf.nn.softmax(logits)));
    }
}
