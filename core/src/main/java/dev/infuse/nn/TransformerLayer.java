package dev.infuse.nn;

import dev.infuse.spi.ModelScope;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One BERT transformer layer (self-attention, then feed-forward, each followed by residual and
 * layer norm), with BERT's parameter names ({@code attention/self/query/kernel},
 * {@code intermediate/dense/kernel}, {@code output/LayerNorm/gamma} ...), so the same code builds the
 * frozen backbone from a checkpoint and the trainable layers inside adapters.
 */
public final class TransformerLayer {
    private TransformerLayer() {}

    /**
     * Additive attention bias from a padding mask: 0 for real tokens, -10000 for padding.
     *
     * @param mask {@code [batch, time]}, 1 for real tokens
     * @return {@code [batch, 1, 1, time]}
     */
    public static Operand<TFloat32> attentionBias(Ops tf, Operand<TFloat32> mask) {
        Operand<TFloat32> m = tf.expandDims(tf.expandDims(mask, tf.constant(1)), tf.constant(1));
        return tf.math.mul(tf.math.sub(tf.constant(1f), m), tf.constant(-10000f));
    }

    /**
     * @param x {@code [batch, time, H]}
     * @param attentionBias from {@link #attentionBias}
     * @return {@code [batch, time, H]}
     */
    public static Operand<TFloat32> apply(ModelScope scope, TransformerConfig c, Operand<TFloat32> x,
            Operand<TFloat32> attentionBias) {
        int h = c.hiddenSize();
        var init = Initializers.truncatedNormal(c.initStd());
        ModelScope att = scope.child("attention");
        Operand<TFloat32> context = selfAttention(att.child("self"), c, x, attentionBias);
        ModelScope attOut = att.child("output");
        Operand<TFloat32> a = Dense.apply(attOut, "dense", context, h, h, init);
        a = attOut.dropout(a, c.hiddenDropout());
        a = LayerNorm.apply(attOut, "LayerNorm", scope.tf().math.add(a, x), h, c.layerNormEpsilon());

        Operand<TFloat32> mid = Dense.apply(scope.child("intermediate"), "dense", a, h, c.intermediateSize(), init);
        mid = c.activation().apply(scope.tf(), mid);
        ModelScope out = scope.child("output");
        Operand<TFloat32> y = Dense.apply(out, "dense", mid, c.intermediateSize(), h, init);
        y = out.dropout(y, c.hiddenDropout());
        return LayerNorm.apply(out, "LayerNorm", scope.tf().math.add(y, a), h, c.layerNormEpsilon());
    }

    private static Operand<TFloat32> selfAttention(ModelScope s, TransformerConfig c, Operand<TFloat32> x,
            Operand<TFloat32> bias) {
        Ops tf = s.tf();
        int h = c.hiddenSize();
        int heads = c.heads();
        int d = h / heads;
        var init = Initializers.truncatedNormal(c.initStd());
        Operand<TInt32> b = Tensors.dimVector(tf, x, 0);
        Operand<TInt32> t = Tensors.dimVector(tf, x, 1);
        Operand<TInt32> split = tf.concat(List.of(b, t, tf.constant(new int[] {heads, d})), tf.constant(0));
        Operand<TInt32> perm = tf.constant(new int[] {0, 2, 1, 3});
        Operand<TFloat32> q = tf.linalg.transpose(tf.reshape(Dense.apply(s, "query", x, h, h, init), split), perm);
        Operand<TFloat32> k = tf.linalg.transpose(tf.reshape(Dense.apply(s, "key", x, h, h, init), split), perm);
        Operand<TFloat32> v = tf.linalg.transpose(tf.reshape(Dense.apply(s, "value", x, h, h, init), split), perm);
        Operand<TFloat32> scores = BatchedProducts.matMul(tf, q, k, true);
        scores = tf.math.add(tf.math.mul(scores, tf.constant((float) (1 / Math.sqrt(d)))), bias);
        Operand<TFloat32> probs = s.dropout(tf.nn.softmax(scores), c.attentionDropout());
        Operand<TFloat32> ctx = BatchedProducts.matMul(tf, probs, v, false);
        ctx = tf.linalg.transpose(ctx, perm);
        return tf.reshape(ctx, tf.concat(List.of(b, t, tf.constant(new int[] {h})), tf.constant(0)));
    }
}
