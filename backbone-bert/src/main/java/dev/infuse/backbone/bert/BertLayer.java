package dev.infuse.backbone.bert;

import dev.infuse.nn.Activation;
import dev.infuse.nn.BatchedProducts;
import dev.infuse.nn.Initializers;
import dev.infuse.nn.LayerNorm;
import dev.infuse.spi.LayerEdits;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.Precision;
import dev.infuse.spi.SiteEdit;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
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

    /** The sites every layer offers to in-layer plug-ins, in order of computation. */
    static List<LayerSite> sites(BertDims dims) {
        int h = dims.hidden();
        int i = dims.intermediate();
        return List.of(
                new LayerSite(PREFIX, LayerSite.Kind.ATTENTION_PREFIX, h, h),
                new LayerSite(QUERY, LayerSite.Kind.LINEAR, h, h),
                new LayerSite(KEY, LayerSite.Kind.LINEAR, h, h),
                new LayerSite(VALUE, LayerSite.Kind.LINEAR, h, h),
                new LayerSite(ATTENTION_OUTPUT, LayerSite.Kind.LINEAR, h, h),
                new LayerSite(ATTENTION_RESIDUAL, LayerSite.Kind.RESIDUAL, h, h),
                new LayerSite(ATTENTION_NORM, LayerSite.Kind.LAYER_NORM, h, h),
                new LayerSite(INTERMEDIATE, LayerSite.Kind.LINEAR, h, i),
                new LayerSite(OUTPUT, LayerSite.Kind.LINEAR, i, h),
                new LayerSite(FFN_RESIDUAL, LayerSite.Kind.RESIDUAL, h, h),
                new LayerSite(OUTPUT_NORM, LayerSite.Kind.LAYER_NORM, h, h));
    }

    static final String PREFIX = "attention.prefix";
    static final String QUERY = "query";
    static final String KEY = "key";
    static final String VALUE = "value";
    static final String ATTENTION_OUTPUT = "attention.output";
    static final String ATTENTION_RESIDUAL = "attention.residual";
    static final String ATTENTION_NORM = "attention.layer_norm";
    static final String INTERMEDIATE = "intermediate";
    static final String OUTPUT = "output";
    static final String FFN_RESIDUAL = "ffn.residual";
    static final String OUTPUT_NORM = "output.layer_norm";

    /**
     * @param x {@code [rows, H]} fp32, rows = batch × time
     * @param shape {@code [batch, time]} of the rows
     * @param bias attention bias {@code [batch, 1, 1, time]} (0 or -10000)
     * @param index this layer's index, for looking up {@code edits}
     * @param edits in-layer plug-ins' edits (checked by the runtime against {@link #sites})
     * @return {@code [rows, H]} fp32
     */
    Operand<TFloat32> apply(ModelScope layer, Operand<TFloat32> x, Operand<TInt32> shape, Operand<TFloat32> bias,
            int index, LayerEdits edits) {
        Ops tf = layer.tf();
        Edits e = new Edits(tf, index, edits);
        // Layer norms as one kernel each (they have a gradient); without a gradient through the backbone, GELU
        // fused into its product too.
        boolean fusedNorm = InferenceKernels.available(Precision.FP32);
        boolean fused = !layer.differentiable() && fusedNorm && InferenceKernels.available(precision);
        ModelScope att = layer.child("attention");
        Operand<? extends TType> context = selfAttention(att.child("self"), x, shape, bias, e);

        ModelScope attOut = att.child("output");
        Operand<TFloat32> a = fp32(tf, e.linear(ATTENTION_OUTPUT, context, linear(attOut, "dense", context, hidden, hidden)));
        a = attOut.dropout(a, dropout);
        a = e.residual(ATTENTION_RESIDUAL, a);
        a = e.normShift(ATTENTION_NORM, layerNorm(fusedNorm, attOut, tf.math.add(a, x)));

        Operand<? extends TType> mid;
        if (fused && !e.edited(INTERMEDIATE)) {
            // Stays in the product's type (bfloat16 in BF16): the next product reads it without a cast.
            mid = denseGelu(layer.child("intermediate").child("dense"), a);
        } else {
            mid = Activation.GELU_TANH.apply(tf, fp32(tf, e.linear(INTERMEDIATE, a, linear(layer.child("intermediate"), "dense",
                    a, hidden, intermediate))));
        }

        ModelScope out = layer.child("output");
        Operand<TFloat32> y = fp32(tf, e.linear(OUTPUT, mid, linear(out, "dense", mid, intermediate, hidden)));
        y = out.dropout(y, dropout);
        y = e.residual(FFN_RESIDUAL, y);
        return e.normShift(OUTPUT_NORM, layerNorm(fusedNorm, out, tf.math.add(y, a)));
    }

    private Operand<TFloat32> layerNorm(boolean fused, ModelScope scope, Operand<TFloat32> x) {
        return fused ? InferenceKernels.layerNorm(scope, "LayerNorm", x, hidden, epsilon)
                : LayerNorm.apply(scope, "LayerNorm", x, hidden, epsilon);
    }

    /** {@code GELU(x W + b)} of the feed-forward as one fused product, in this layer's precision. */
    private Operand<? extends TType> denseGelu(ModelScope s, Operand<TFloat32> x) {
        Ops tf = s.tf();
        if (precision == Precision.BF16) {
            return InferenceKernels.denseGelu(tf, bf16(tf, x),
                    s.parameterBf16("kernel", new long[] {hidden, intermediate}, Initializers.zeros()),
                    s.parameterBf16("bias", new long[] {intermediate}, Initializers.zeros()));
        }
        return InferenceKernels.denseGelu(tf, x, s.parameter("kernel", new long[] {hidden, intermediate}, Initializers.zeros()),
                s.parameter("bias", new long[] {intermediate}, Initializers.zeros()));
    }

    private Operand<? extends TType> selfAttention(ModelScope s, Operand<TFloat32> x, Operand<TInt32> shape,
            Operand<TFloat32> bias, Edits e) {
        Ops tf = s.tf();
        // One product for query, key and value, split into [batch, heads, time, d] each.
        Operand<? extends TType> qkv = e.queryKeyValue(x, linear(s, "query_key_value", x, hidden, 3 * hidden));
        Optional<SiteEdit.Prefix> prefix = e.prefix();
        boolean bf16 = precision == Precision.BF16;
        // An edited Q/K/V (fp32: frozen part + trainable delta) is rounded back to bf16 and attends like an
        // unedited layer: at initialisation the delta is 0 and the rounding gives the frozen bits back, so the
        // layer stays an exact identity; training keeps the attention products in bf16 (BENCHMARKS.md §10).
        // Only a prefix, whose keys and values are trained, attends in fp32.
        List<? extends Operand<? extends TType>> parts = splitHeads(tf,
                prefix.isPresent() ? fp32(tf, qkv) : bf16 ? bf16(tf, qkv) : qkv, shape);
        Operand<? extends TType> ctx;
        if (prefix.isPresent()) {
            ctx = prefixAttention(s, fp32(tf, parts.get(0)), fp32(tf, parts.get(1)), fp32(tf, parts.get(2)), shape, bias,
                    prefix.get());
        } else if (bf16) {
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> q = (Operand<TBfloat16>) parts.get(0);
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> k = (Operand<TBfloat16>) parts.get(1);
            @SuppressWarnings("unchecked")
            Operand<TBfloat16> v = (Operand<TBfloat16>) parts.get(2);
            Operand<TBfloat16> scores = BatchedProducts.matMul(tf, q, k, true);
            Operand<TFloat32> probs = probabilities(s, tf.dtypes.cast(scores, TFloat32.class), bias);
            ctx = BatchedProducts.matMul(tf, tf.dtypes.cast(probs, TBfloat16.class), v, false);
        } else {
            ctx = attend(s, fp32(tf, parts.get(0)), fp32(tf, parts.get(1)), fp32(tf, parts.get(2)), bias);
        }
        // [batch, heads, time, d] -> [batch, time, heads, d] -> [rows, H]
        ctx = tf.linalg.transpose(ctx, tf.constant(new int[] {0, 2, 1, 3}));
        return tf.reshape(ctx, tf.constant(new int[] {-1, hidden}));
    }

    /** {@code [rows, 3H]} to query, key and value, each {@code [batch, heads, time, d]}. */
    private List<? extends Operand<? extends TType>> splitHeads(Ops tf, Operand<? extends TType> qkv, Operand<TInt32> shape) {
        Operand<TInt32> split = tf.concat(List.of(shape, tf.constant(new int[] {3, heads, hidden / heads})), tf.constant(0));
        // [batch, time, 3, heads, d] -> [3, batch, heads, time, d]
        return unstack(tf, tf.linalg.transpose(tf.reshape(qkv, split), tf.constant(new int[] {2, 0, 3, 1, 4})));
    }

    /** fp32 scaled dot-product attention: {@code softmax(q kᵀ + bias) v}. */
    private Operand<TFloat32> attend(ModelScope s, Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v,
            Operand<TFloat32> bias) {
        Ops tf = s.tf();
        return BatchedProducts.matMul(tf, probabilities(s, BatchedProducts.matMul(tf, q, k, true), bias), v, false);
    }

    /**
     * fp32 attention of a layer with a prefix: prepended to the keys and values under
     * one softmax (published form), or attended by its own softmax and added through {@code tanh(gate)}
     * (gated form).
     */
    private Operand<TFloat32> prefixAttention(ModelScope s, Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v,
            Operand<TInt32> shape, Operand<TFloat32> bias, SiteEdit.Prefix prefix) {
        Ops tf = s.tf();
        Operand<TInt32> batch = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        Operand<TFloat32> pk = prefixHeads(tf, prefix.keys(), batch);
        Operand<TFloat32> pv = prefixHeads(tf, prefix.values(), batch);
        if (prefix.gate() != null) {
            Operand<TFloat32> toPrefix = attend(s, q, pk, pv, tf.constant(0f));
            return tf.math.add(attend(s, q, k, v, bias), tf.math.mul(tf.math.tanh(prefix.gate()), toPrefix));
        }
        // One softmax over [prefix; sequence]; the prefix is never masked.
        Operand<TInt32> p = tf.slice(tf.shape(prefix.keys()), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        Operand<TFloat32> open = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {1, 1}), p), tf.constant(0)),
                tf.constant(0f));
        return attend(s, q, tf.concat(List.of(pk, k), tf.constant(2)), tf.concat(List.of(pv, v), tf.constant(2)),
                tf.concat(List.of(open, bias), tf.constant(3)));
    }

    /** {@code [P, H]} to {@code [batch, heads, P, d]}. */
    private Operand<TFloat32> prefixHeads(Ops tf, Operand<TFloat32> x, Operand<TInt32> batch) {
        int d = hidden / heads;
        Operand<TFloat32> perHead = tf.linalg.transpose(tf.reshape(x, tf.constant(new int[] {-1, heads, d})),
                tf.constant(new int[] {1, 0, 2}));
        return tf.tile(tf.expandDims(perHead, tf.constant(0)),
                tf.concat(List.of(batch, tf.constant(new int[] {1, 1, 1})), tf.constant(0)));
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

    /** One layer's view of the in-layer edits: each method returns its input unchanged where no edit is. */
    private final class Edits {
        private final Ops tf;
        private final int index;
        private final LayerEdits edits;

        Edits(Ops tf, int index, LayerEdits edits) {
            this.tf = tf;
            this.index = index;
            this.edits = edits;
        }

        /** Whether an in-layer plug-in edits {@code site} of this layer. */
        boolean edited(String site) {
            return edits.at(index, site).isPresent();
        }

        /** A linear's output {@code y} of input {@code x} with a delta or bias offset added (fp32 then). */
        Operand<? extends TType> linear(String site, Operand<? extends TType> x, Operand<? extends TType> y) {
            Optional<SiteEdit> e = edits.at(index, site);
            return e.isEmpty() ? y : tf.math.add(fp32(tf, y), addend(e.get(), x));
        }

        /** The fused Q/K/V output with each part's edit; fp32 if any part is edited. */
        Operand<? extends TType> queryKeyValue(Operand<? extends TType> x, Operand<? extends TType> qkv) {
            List<Optional<SiteEdit>> parts = List.of(edits.at(index, QUERY), edits.at(index, KEY), edits.at(index, VALUE));
            if (parts.stream().allMatch(Optional::isEmpty)) {
                return qkv;
            }
            List<org.tensorflow.Output<TFloat32>> split = tf.split(tf.constant(1), fp32(tf, qkv), 3L).output();
            List<Operand<TFloat32>> edited = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Optional<SiteEdit> e = parts.get(i);
                edited.add(e.isEmpty() ? split.get(i) : tf.math.add(split.get(i), addend(e.get(), x)));
            }
            return tf.concat(edited, tf.constant(1));
        }

        private Operand<TFloat32> addend(SiteEdit e, Operand<? extends TType> x) {
            if (e instanceof SiteEdit.LinearDelta d) {
                return d.delta().apply(fp32(tf, x));
            }
            return ((SiteEdit.BiasOffset) e).offset();
        }

        Operand<TFloat32> residual(String site, Operand<TFloat32> h) {
            Optional<SiteEdit> e = edits.at(index, site);
            return e.isEmpty() ? h : tf.math.add(h, ((SiteEdit.Residual) e.get()).module().apply(h));
        }

        Operand<TFloat32> normShift(String site, Operand<TFloat32> normed) {
            Optional<SiteEdit> e = edits.at(index, site);
            return e.isEmpty() ? normed : tf.math.add(normed, ((SiteEdit.BiasOffset) e.get()).offset());
        }

        Optional<SiteEdit.Prefix> prefix() {
            return edits.at(index, PREFIX).map(SiteEdit.Prefix.class::cast);
        }
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
