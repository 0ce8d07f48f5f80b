package dev.infuse.backbone.bert;

import dev.infuse.nn.Activation;
import dev.infuse.nn.Initializers;
import dev.infuse.nn.LayerNorm;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.Precision;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * One layer of the frozen BERT encoder, as the backbone builds it (adapters build theirs with
 * {@link dev.infuse.nn.TransformerLayer}): post-layer-norm self-attention and feed-forward over the
 * token rows flattened to {@code [batch * time, H]}.
 *
 * <p>Each linear product is one call of {@link #linear}, the single place where the precision
 * matters: in {@link Precision#FP32} an fp32 {@code MatMul} + {@code BiasAdd}; in
 * {@link Precision#BF16} the input is cast to bfloat16, the kernel and bias are bfloat16 variables,
 * and grappler's oneDNN remapper fuses the pair (the bias is added to the fp32 accumulator before
 * the result is rounded). Query, key and value are one {@code [H, 3H]} product whose weights are
 * concatenated at load time ({@link BertWeights#FUSED_QKV}). Layer norms, softmax, GELU, dropout
 * and the residual stream are fp32 in both precisions.
 */
final class BertLayer {
    private final Precision precision;
    private final int hidden;
    private final int heads;
    private final int intermediate;
    private final float dropout;
    private final float epsilon;
    // 1/sqrt(head size) still to apply to the scores (1 when folded into the query weights).
    private final float scoreScale;

    BertLayer(Precision precision, BertDims dims, float queryScaleFolded, float dropout, float epsilon) {
        this.precision = precision;
        this.hidden = dims.hidden();
        this.heads = dims.heads();
        this.intermediate = dims.intermediate();
        this.dropout = dropout;
        this.epsilon = epsilon;
        float full = (float) (1 / Math.sqrt(hidden / heads));
        this.scoreScale = queryScaleFolded == 1f ? full : 1f;
    }

    /**
     * @param x {@code [rows, H]} fp32, rows = batch × time
     * @param shape {@code [batch, time]} of the rows
     * @param bias attention bias {@code [batch, 1, 1, time]} (0 or -10000)
     * @return {@code [rows, H]} fp32
     */
    Operand<TFloat32> apply(ModelScope layer, Operand<TFloat32> x, Operand<TInt32> shape, Operand<TFloat32> bias) {
        Ops tf = layer.tf();
        ModelScope att = layer.child("attention");
        Operand<? extends TType> context = selfAttention(att.child("self"), x, shape, bias);

        ModelScope attOut = att.child("output");
        Operand<TFloat32> a = fp32(tf, linear(attOut, "dense", context, hidden, hidden));
        a = attOut.dropout(a, dropout);
        a = LayerNorm.apply(attOut, "LayerNorm", tf.math.add(a, x), hidden, epsilon);

        Operand<TFloat32> mid = fp32(tf, linear(layer.child("intermediate"), "dense", a, hidden, intermediate));
        mid = Activation.GELU_TANH.apply(tf, mid);

        ModelScope out = layer.child("output");
        Operand<TFloat32> y = fp32(tf, linear(out, "dense", mid, intermediate, hidden));
        y = out.dropout(y, dropout);
        return LayerNorm.apply(out, "LayerNorm", tf.math.add(y, a), hidden, epsilon);
    }

    private Operand<? extends TType> selfAttention(ModelScope s, Operand<TFloat32> x, Operand<TInt32> shape,
            Operand<TFloat32> bias) {
        Ops tf = s.tf();
        int d = hidden / heads;
        // One product for query, key and value: [rows, 3H] -> [batch, time, 3, heads, d] -> [3, batch, heads, time, d].
        Operand<? extends TType> qkv = linear(s, "query_key_value", x, hidden, 3 * hidden);
        Operand<TInt32> split = tf.concat(List.of(shape, tf.constant(new int[] {3, heads, d})), tf.constant(0));
        List<? extends Operand<? extends TType>> parts = unstack(tf,
                tf.linalg.transpose(tf.reshape(qkv, split), tf.constant(new int[] {2, 0, 3, 1, 4})));
        Operand<? extends TType> ctx;
        if (precision == Precision.BF16) {
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> q = (Operand<TBfloat16>) parts.get(0);
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> k = (Operand<TBfloat16>) parts.get(1);
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> v = (Operand<TBfloat16>) parts.get(2);
            Operand<TBfloat16> scores = tf.train.batchMatMul(q, k, TBfloat16.class, BatchMatMul.adjY(true));
            Operand<TFloat32> probs = probabilities(s, tf.dtypes.cast(scores, TFloat32.class), bias);
            ctx = tf.train.batchMatMul(tf.dtypes.cast(probs, TBfloat16.class), v, TBfloat16.class);
        } else {
            @SuppressWarnings("unchecked")
            Operand<TFloat32> q = (Operand<TFloat32>) parts.get(0);
            @SuppressWarnings("unchecked")
            Operand<TFloat32> k = (Operand<TFloat32>) parts.get(1);
            @SuppressWarnings("unchecked")
            Operand<TFloat32> v = (Operand<TFloat32>) parts.get(2);
            Operand<TFloat32> scores = tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true));
            ctx = tf.train.batchMatMul(probabilities(s, scores, bias), v, TFloat32.class);
        }
        // [batch, heads, time, d] -> [batch, time, heads, d] -> [rows, H]
        ctx = tf.linalg.transpose(ctx, tf.constant(new int[] {0, 2, 1, 3}));
        return tf.reshape(ctx, tf.constant(new int[] {-1, hidden}));
    }

    /** Softmax over the keys of the (scaled) scores plus the padding bias, with attention dropout; fp32. */
    private Operand<TFloat32> probabilities(ModelScope s, Operand<TFloat32> scores, Operand<TFloat32> bias) {
        Ops tf = s.tf();
        if (scoreScale != 1f) {
            scores = tf.math.mul(scores, tf.constant(scoreScale));
        }
        return s.dropout(tf.nn.softmax(tf.math.add(scores, bias)), dropout);
    }

    /**
     * {@code x W + b} over {@code [rows, in]}: fp32, or bfloat16 (input cast, bfloat16 weights) with a
     * bfloat16 result. Every linear product of the layer goes through here.
     */
    private Operand<? extends TType> linear(ModelScope scope, String name, Operand<? extends TType> x, int in, int out) {
        ModelScope s = scope.child(name);
        Ops tf = s.tf();
        if (precision == Precision.BF16) {
            Operand<TBfloat16> kernel = s.parameterBf16("kernel", new long[] {in, out}, Initializers.zeros());
            Operand<TBfloat16> b = s.parameterBf16("bias", new long[] {out}, Initializers.zeros());
            return tf.nn.biasAdd(tf.linalg.matMul(bf16(tf, x), kernel), b);
        }
        Operand<TFloat32> kernel = s.parameter("kernel", new long[] {in, out}, Initializers.zeros());
        Operand<TFloat32> b = s.parameter("bias", new long[] {out}, Initializers.zeros());
        return tf.nn.biasAdd(tf.linalg.matMul(fp32(tf, x), kernel), b);
    }

    @SuppressWarnings("unchecked")
    private static Operand<TFloat32> fp32(Ops tf, Operand<? extends TType> x) {
        return x.type() == TFloat32.class ? (Operand<TFloat32>) x : tf.dtypes.cast(x, TFloat32.class);
    }

    @SuppressWarnings("unchecked")
    private static Operand<TBfloat16> bf16(Ops tf, Operand<? extends TType> x) {
        return x.type() == TBfloat16.class ? (Operand<TBfloat16>) x : tf.dtypes.cast(x, TBfloat16.class);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<? extends Operand<? extends TType>> unstack(Ops tf, Operand<? extends TType> x) {
        return (List) tf.unstack((Operand) x, 3L).output();
    }
}
