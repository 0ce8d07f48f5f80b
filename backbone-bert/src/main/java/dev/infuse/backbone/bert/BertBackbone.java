package dev.infuse.backbone.bert;

import dev.infuse.nn.Activation;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.nn.LayerNorm;
import dev.infuse.nn.Tensors;
import dev.infuse.nn.TransformerLayer;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerEdits;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.Precision;
import dev.infuse.spi.Tokenizer;
import dev.infuse.text.WordPieceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Google's BERT (post-layer-norm transformer, GELU in its tanh approximation, layer-norm epsilon
 * 1e-12) built from the {@code dev.infuse.nn} blocks, with its weights held in Java memory until
 * the runtime assigns them to the graph's parameters.
 *
 * <p>Parameters are created in the scope passed to each method under BERT's own variable names
 * without the {@code bert/} prefix: {@code embeddings/word_embeddings},
 * {@code encoder/layer_3/intermediate/dense/kernel}, {@code pooler/dense/kernel},
 * {@code cls/predictions/output_bias}; a layer's query, key and value weights become one
 * {@code attention/self/query_key_value/kernel} {@code [H, 3H]} and {@code bias} at load time (see
 * {@link BertLayer}). Batch size and sequence length are dynamic (up to
 * {@link BackboneSpec#maxPositions()} tokens); the input is never padded to a fixed length.
 *
 * <p>Instances come from the {@code bert} and {@code bert-random} providers.
 */
public final class BertBackbone implements Backbone {
    private static final float LAYER_NORM_EPSILON = 1e-12f;

    private final String name;
    private final BertDims dims;
    private final float dropout;
    private final Path vocabulary;
    private final boolean lowercase;
    private final Function<BertWeights, String> fingerprinter;
    private final Precision precision;
    private volatile BertWeights weights;
    private volatile Tokenizer tokenizer;
    private volatile String fingerprint;

    BertBackbone(String name, BertWeights weights, float dropout, Path vocabulary, boolean lowercase,
            Function<BertWeights, String> fingerprinter) {
        this(name, weights, dropout, vocabulary, lowercase, fingerprinter, Precision.FP32);
    }

    BertBackbone(String name, BertWeights weights, float dropout, Path vocabulary, boolean lowercase,
            Function<BertWeights, String> fingerprinter, Precision precision) {
        this.precision = precision;
        this.name = name;
        this.weights = weights;
        this.dims = weights.dims();
        this.dropout = dropout;
        this.vocabulary = vocabulary;
        this.lowercase = lowercase;
        this.fingerprinter = fingerprinter;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BackboneSpec spec() {
        return dims.spec();
    }

    /** The {@code vocab.txt} this backbone's tokenizer reads. */
    public Path vocabularyFile() {
        return vocabulary;
    }

    /** Whether the tokenizer lower-cases (uncased models). */
    public boolean lowercase() {
        return lowercase;
    }

    /** Dropout rate inside the encoder while training (the runtime decides whether it is on). */
    public float dropout() {
        return dropout;
    }

    /**
     * The format of the encoder's matrix products: in {@code bf16} the encoder layers' kernels and
     * biases are bfloat16 variables and their products and attention run in bfloat16 (see
     * {@link BertLayer}), and so does the masked-LM head's vocabulary product (against a bfloat16 copy
     * of the tied word embeddings, held once); embeddings, layer norms, softmax, GELU, the residual
     * stream, every tap, the pooler, the head's transform and its logits stay fp32.
     */
    @Override
    public Precision precision() {
        return precision;
    }

    /** Whether the pre-trained masked-LM head is present (fine-tuned checkpoints often drop it). */
    public boolean hasMaskedLmHead() {
        return weights().hasMlmHead();
    }

    @Override
    public Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                if (tokenizer == null) {
                    tokenizer = WordPieceTokenizer.fromVocabulary(vocabulary, lowercase);
                }
                t = tokenizer;
            }
        }
        return t;
    }

    @Override
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            synchronized (this) {
                if (fingerprint == null) {
                    fingerprint = fingerprinter.apply(weights());
                }
                f = fingerprint;
            }
        }
        return f;
    }

    @Override
    public Operand<TFloat32> embedWords(ModelScope scope, Operand<TInt32> inputIds) {
        ModelScope s = new WeightScope(scope, weights());
        Ops tf = s.tf();
        Operand<TFloat32> table = s.child("embeddings").parameter("word_embeddings",
                new long[] {dims.vocab(), dims.hidden()}, Initializers.zeros());
        // Ids of added tokens (>= vocabulary size) read row 0, the [PAD] embedding, as the SPI promises;
        // an adapter replaces those rows afterwards.
        Operand<TInt32> inVocab = tf.dtypes.cast(tf.math.less(inputIds, tf.constant(dims.vocab())), TInt32.class);
        return tf.gather(table, tf.math.mul(inputIds, inVocab), tf.constant(0));
    }

    @Override
    public HiddenStates encode(ModelScope scope, Operand<TFloat32> wordEmbeddings, Operand<TInt32> tokenTypeIds,
            Operand<TInt32> attentionMask) {
        return encode(scope, wordEmbeddings, tokenTypeIds, attentionMask, LayerEdits.none());
    }

    /**
     * The sites of every BERT layer, in order of computation: {@code attention.prefix}, {@code query},
     * {@code key}, {@code value}, {@code attention.output}, {@code attention.residual},
     * {@code attention.layer_norm}, {@code intermediate}, {@code output}, {@code ffn.residual},
     * {@code output.layer_norm} (see {@link LayerSite}).
     */
    @Override
    public List<LayerSite> layerSites() {
        return BertLayer.sites(dims);
    }

    @Override
    public HiddenStates encode(ModelScope scope, Operand<TFloat32> wordEmbeddings, Operand<TInt32> tokenTypeIds,
            Operand<TInt32> attentionMask, LayerEdits edits) {
        ModelScope s = new WeightScope(scope, weights());
        Ops tf = s.tf();
        int h = dims.hidden();
        ModelScope emb = s.child("embeddings");
        Operand<TFloat32> positions = emb.parameter("position_embeddings", new long[] {dims.positions(), h},
                Initializers.zeros());
        Operand<TFloat32> types = emb.parameter("token_type_embeddings", new long[] {dims.typeVocab(), h},
                Initializers.zeros());
        Operand<TInt32> time = Tensors.dim(tf, wordEmbeddings, 1);
        // GatherV2 (not Slice) so every op on the path has a registered gradient.
        Operand<TFloat32> pos = tf.gather(positions, tf.range(tf.constant(0), time, tf.constant(1)), tf.constant(0));
        Operand<TFloat32> x = tf.math.add(tf.math.add(wordEmbeddings, tf.gather(types, tokenTypeIds, tf.constant(0))),
                tf.expandDims(pos, tf.constant(0)));
        x = InferenceKernels.available(Precision.FP32) ? InferenceKernels.layerNorm(emb, "LayerNorm", x, h, LAYER_NORM_EPSILON)
                : LayerNorm.apply(emb, "LayerNorm", x, h, LAYER_NORM_EPSILON);
        x = emb.dropout(x, dropout);

        Operand<TFloat32> mask = tf.dtypes.cast(attentionMask, TFloat32.class);
        Operand<TFloat32> bias = TransformerLayer.attentionBias(tf, mask);
        // The layers work on the token rows [batch * time, H]; each tap is viewed as [batch, time, H].
        Operand<TInt32> shape = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
        Operand<TInt32> tapShape = tf.concat(List.of(shape, tf.constant(new int[] {h})), tf.constant(0));
        Operand<TFloat32> rows = tf.reshape(x, tf.constant(new int[] {-1, h}));
        BertLayer layer = new BertLayer(precision, dims, weights().foldedQueryScale(), dropout, LAYER_NORM_EPSILON);
        List<Operand<TFloat32>> taps = new ArrayList<>();
        taps.add(x);
        ModelScope encoder = s.child("encoder");
        for (int i = 0; i < dims.layers(); i++) {
            rows = layer.apply(encoder.child("layer_" + i), rows, shape, bias, i, edits);
            taps.add(tf.reshape(rows, tapShape));
        }
        return new BertHiddenStates(List.copyOf(taps), mask, h);
    }

    /** Whether this graph takes no gradient through {@code scope} and the build runs the fused (fp32) inference kernels. */
    private boolean fused(ModelScope scope) {
        return !scope.differentiable() && InferenceKernels.available(Precision.FP32);
    }

    @Override
    public Operand<TFloat32> maskedLmLogits(ModelScope scope, Operand<TFloat32> hidden) {
        BertWeights w = weights();
        if (!w.hasMlmHead()) {
            throw new InfuseException("backbone-no-mlm-head", "backbone '" + name + "' (" + dims.spec().describe()
                    + ") has no masked-LM head: its weights lack cls/predictions/*; use a pre-training checkpoint");
        }
        ModelScope s = new WeightScope(scope, w);
        Ops tf = s.tf();
        int h = dims.hidden();
        ModelScope predictions = s.child("cls").child("predictions");
        ModelScope transform = predictions.child("transform");
        Operand<TFloat32> x;
        if (fused(s)) {
            // GELU fused into the transform's product; its layer norm keeps the moments form, whose variance is
            // exact enough for the 30,522 logits that follow (BertSavedModelIT's bound of 5e-5).
            ModelScope dense = transform.child("dense");
            Operand<TFloat32> flatHidden = tf.reshape(hidden, tf.constant(new int[] {-1, h}));
            x = tf.reshape(InferenceKernels.denseGelu(tf, flatHidden, dense.parameter("kernel", new long[] {h, h},
                    Initializers.zeros()), dense.parameter("bias", new long[] {h}, Initializers.zeros())), tf.shape(hidden));
            x = LayerNorm.apply(transform, "LayerNorm", x, h, LAYER_NORM_EPSILON);
        } else {
            x = Dense.apply(transform, "dense", hidden, h, h, Initializers.zeros());
            x = Activation.GELU_TANH.apply(tf, x);
            x = LayerNorm.apply(transform, "LayerNorm", x, h, LAYER_NORM_EPSILON);
        }
        Operand<TInt32> shape = tf.shape(x);
        Operand<TInt32> leading = tf.slice(shape, tf.constant(new int[] {0}),
                tf.reshape(tf.math.sub(tf.rank(x), tf.constant(1)), tf.constant(new int[] {1})));
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, h}));
        // The output projection is tied to the word embeddings. BiasAdd (not Add) so that oneDNN fuses
        // the bias into the product.
        long[] tableShape = {dims.vocab(), h};
        long[] biasShape = {dims.vocab()};
        Operand<TFloat32> logits;
        if (precision == Precision.BF16) {
            // The vocabulary product, the largest of masked-LM training, in bfloat16 like the encoder's:
            // a bf16 copy of the frozen table held once (the input lookup keeps the fp32 table), fp32
            // accumulation inside oneDNN, the logits rounded to bf16 once and returned as fp32.
            Operand<TBfloat16> table = s.child("embeddings").parameterBf16("word_embeddings", tableShape,
                    Initializers.zeros());
            Operand<TBfloat16> outputBias = predictions.parameterBf16("output_bias", biasShape, Initializers.zeros());
            logits = tf.dtypes.cast(tf.nn.biasAdd(tf.linalg.matMul(tf.dtypes.cast(flat, TBfloat16.class), table,
                    MatMul.transposeB(true)), outputBias), TFloat32.class);
        } else {
            Operand<TFloat32> table = s.child("embeddings").parameter("word_embeddings", tableShape, Initializers.zeros());
            Operand<TFloat32> outputBias = predictions.parameter("output_bias", biasShape, Initializers.zeros());
            logits = tf.nn.biasAdd(tf.linalg.matMul(flat, table, MatMul.transposeB(true)), outputBias);
        }
        return tf.reshape(logits, tf.concat(List.of(leading, tf.constant(new int[] {dims.vocab()})), tf.constant(0)));
    }

    @Override
    public Operand<TFloat32> pool(ModelScope scope, HiddenStates states) {
        ModelScope s = new WeightScope(scope, weights());
        Ops tf = s.tf();
        int h = dims.hidden();
        // [batch, time, H] -> [batch, H] at time 0 ([CLS]); StridedSlice has a registered gradient.
        Operand<TFloat32> first = tf.stridedSlice(states.last(), tf.constant(new int[] {0, 0, 0}),
                tf.constant(new int[] {0, 1, 0}), tf.constant(new int[] {1, 1, 1}),
                StridedSlice.beginMask(5L), StridedSlice.endMask(5L), StridedSlice.shrinkAxisMask(2L));
        return tf.math.tanh(Dense.apply(s.child("pooler"), "dense", first, h, h, Initializers.zeros()));
    }

    @Override
    public long parameterCount() {
        return weights().parameterCount();
    }

    @Override
    public synchronized void close() {
        weights = null;
    }

    BertWeights weights() {
        BertWeights w = weights;
        if (w == null) {
            throw new IllegalStateException("backbone '" + name + "' is closed");
        }
        return w;
    }

    @Override
    public String toString() {
        return name + " (" + dims.spec().describe() + ")";
    }

    /** Taps 0..L with the padding mask. */
    private record BertHiddenStates(List<Operand<TFloat32>> taps, Operand<TFloat32> mask, int hiddenSize)
            implements HiddenStates {

        @Override
        public int layerCount() {
            return taps.size() - 1;
        }

        @Override
        public Operand<TFloat32> tap(int index) {
            if (index < 0 || index >= taps.size()) {
                throw new InfuseException("config-bad-tap", "hidden-state tap " + index + " does not exist; BERT with "
                        + layerCount() + " layers has taps 0 (embeddings) to " + layerCount());
            }
            return taps.get(index);
        }
    }
}
