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
 * Dependency-head prediction (K-Adapter's linguistic pretraining task): for every word, a pointer
 * over the sentence's positions — a one-head attention whose query is the word's vector and whose
 * keys are the candidate heads' vectors, {@code [CLS]} standing for the root.
 *
 * <p>Model inputs: {@code word_positions} {@code [batch, words]} flat positions of each word's first
 * word piece (anything for padding); {@code candidate_positions} {@code [batch, words + 1]}, the
 * same with the {@code [CLS]} position first; {@code head_labels} {@code [batch, words]}, the index
 * of each word's head among the candidates (0 = root); {@code word_mask} {@code [batch, words]},
 * 1 for real words. The loss is cross-entropy over real words only. Output {@code logits}
 * {@code [batch, words, words + 1]} (padded candidates get -10000).
 */
public final class DependencyArcHead implements TaskHead {
    private final int arcSize;
    private final float dropout;

    public DependencyArcHead(int arcSize, float dropout) {
        this.arcSize = arcSize;
        this.dropout = dropout;
    }

    @Override
    public String name() {
        return "dependency-arcs";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arc_size", arcSize);
        m.put("dropout", (double) dropout);
        return m;
    }

    @Override
    public HeadOutputs build(ModelScope scope, ModelOutputs model) {
        var tf = scope.tf();
        int h = model.spec().hiddenSize();
        Operand<TInt32> words = scope.input("word_positions", TInt32.class, -1, -1);
        Operand<TInt32> candidates = scope.input("candidate_positions", TInt32.class, -1, -1);
        Operand<TInt32> heads = scope.input("head_labels", TInt32.class, -1, -1);
        Operand<TFloat32> wordMask = scope.input("word_mask", TFloat32.class, -1, -1);
        Operand<TFloat32> w = scope.dropout(Gather.tokens(scope, model, words), dropout);
        Operand<TFloat32> c = scope.dropout(Gather.tokens(scope, model, candidates), dropout);
        Operand<TFloat32> q = Dense.apply(scope, "dependent", w, h, arcSize, Initializers.truncatedNormal(0.02));
        Operand<TFloat32> k = Dense.apply(scope, "head", c, h, arcSize, Initializers.truncatedNormal(0.02));
        Operand<TFloat32> scores = tf.math.mul(dev.infuse.nn.BatchedProducts.matMul(tf, q, k, true),
                tf.constant((float) (1 / Math.sqrt(arcSize))));
        // Candidate mask: root always valid, then the word mask.
        Operand<TFloat32> candMask = tf.concat(java.util.List.of(
                tf.slice(tf.onesLike(wordMask), tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})), wordMask),
                tf.constant(1));
        Operand<TFloat32> bias = tf.math.mul(tf.math.sub(tf.constant(1f), tf.expandDims(candMask, tf.constant(1))),
                tf.constant(-10000f));
        Operand<TFloat32> logits = tf.math.add(scores, bias);
        Operand<TInt32> candidatesCount = tf.gather(tf.shape(candidates), tf.constant(1), tf.constant(0));
        Operand<TFloat32> oneHot = tf.oneHot(heads, candidatesCount, tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> flatLogits = tf.reshape(logits, tf.stack(java.util.List.of(tf.constant(-1), candidatesCount)));
        Operand<TFloat32> flatLabels = tf.reshape(oneHot, tf.stack(java.util.List.of(tf.constant(-1), candidatesCount)));
        Operand<TFloat32> perWord = tf.nn.softmaxCrossEntropyWithLogits(flatLogits, flatLabels).loss();
        Operand<TFloat32> m = tf.reshape(wordMask, tf.constant(new int[] {-1}));
        Operand<TFloat32> loss = tf.math.div(tf.reduceSum(tf.math.mul(perWord, m), tf.constant(0)),
                tf.math.maximum(tf.reduceSum(m, tf.constant(0)), tf.constant(1f)));
        return new HeadOutputs(loss, Map.of("logits", logits));
    }
}
