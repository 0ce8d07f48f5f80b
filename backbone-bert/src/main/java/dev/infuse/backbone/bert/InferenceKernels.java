package dev.infuse.backbone.bert;

import dev.infuse.nn.Initializers;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.Precision;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Fused forms of the encoder's element-wise work: the same functions, written so that oneDNN runs them as
 * single kernels. The fused GELU product is inference-only (graphs that take no gradient through the
 * backbone, {@link ModelScope#differentiable()} false).
 *
 * <ul>
 *   <li>feed-forward {@code GELU(x W + b)} as one {@code _FusedMatMul} with the fused operations
 *       {@code BiasAdd, GeluApproximate} (the tanh form BERT uses; GELU is applied to the fp32
 *       accumulator, then rounded once to the product's type), which has no registered gradient;</li>
 *   <li>layer normalisation in the form Keras builds ({@code FusedBatchNormV3} in training mode over
 *       the rows as channels, then {@code gamma}, then {@code beta}), which grappler's oneDNN remapper
 *       replaces by one {@code _MklLayerNorm} over {@code [rows, H]}. It has a registered gradient
 *       ({@code FusedBatchNormGradV3}), so the backbone uses it in differentiable graphs too, where it
 *       stays one oneDNN batch-norm kernel forward and one backward.</li>
 * </ul>
 *
 * <p>Whether the TensorFlow build runs them is probed once per JVM and precision on a tiny graph whose
 * results are checked against a reference: builds without oneDNN (or with {@code TF_ENABLE_ONEDNN_OPTS=0})
 * and GPU machines keep the unfused forms, and so does a JVM started with {@code -Dinfuse.fusedKernels=false}.
 */
final class InferenceKernels {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceKernels.class);
    private static final Map<Precision, Boolean> AVAILABLE = new ConcurrentHashMap<>();

    private InferenceKernels() {}

    /** The system property that turns the fused forms off ({@code -Dinfuse.fusedKernels=false}): for A/B benchmarks. */
    static final String SWITCH = "infuse.fusedKernels";

    /** Whether the fused forms run (and compute the reference function) in this JVM for {@code precision}. */
    static boolean available(Precision precision) {
        return !"false".equals(System.getProperty(SWITCH)) && AVAILABLE.computeIfAbsent(precision, InferenceKernels::probe);
    }

    private static boolean probe(Precision precision) {
        if (Precision.Machine.current().gpu()) {
            LOG.info("fused inference kernels off: a GPU runs the graph");
            return false;
        }
        float[] x = {0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f, -2.2f, 0.05f};
        float[] w = new float[4 * 6];
        float[] b = new float[6];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i + 1) * 0.8f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = 0.1f * (i - 2);
        }
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Operand<TFloat32> xs = tf.constant(Shape.of(2, 4), DataBuffers.of(x));
            Operand<TFloat32> ws = tf.constant(Shape.of(4, 6), DataBuffers.of(w));
            Operand<TFloat32> bs = tf.constant(b);
            Operand<TFloat32> gelu = precision == Precision.BF16
                    ? tf.dtypes.cast(denseGelu(tf, tf.dtypes.cast(xs, TBfloat16.class), tf.dtypes.cast(ws, TBfloat16.class),
                            tf.dtypes.cast(bs, TBfloat16.class)), TFloat32.class)
                    : denseGelu(tf, xs, ws, bs);
            Operand<TFloat32> norm = layerNorm(tf, gelu, tf.constant(new float[] {1, 2, 1, 2, 1, 2}),
                    tf.constant(new float[] {0, 0, 0, 1, 1, 1}), 1e-12f);
            try (Result r = s.runner().fetch(gelu).fetch(norm).run()) {
                float[] got = new float[12];
                float[] normed = new float[12];
                ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(got);
                ((TFloat32) r.get(1)).asRawTensor().data().asFloats().read(normed);
                double tolerance = precision == Precision.BF16 ? 0.02 : 1e-4;
                for (int i = 0; i < 2; i++) {
                    double[] ref = new double[6];
                    double mean = 0;
                    for (int j = 0; j < 6; j++) {
                        double v = b[j];
                        for (int k = 0; k < 4; k++) {
                            v += x[i * 4 + k] * w[k * 6 + j];
                        }
                        ref[j] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                        if (Math.abs(ref[j] - got[i * 6 + j]) > tolerance * Math.max(1, Math.abs(ref[j]))) {
                            LOG.info("fused inference kernels off: the fused GELU product disagrees with the reference");
                            return false;
                        }
                        mean += got[i * 6 + j] / 6;
                    }
                    double var = 0;
                    for (int j = 0; j < 6; j++) {
                        var += (got[i * 6 + j] - mean) * (got[i * 6 + j] - mean) / 6;
                    }
                    for (int j = 0; j < 6; j++) {
                        double want = (got[i * 6 + j] - mean) / Math.sqrt(var + 1e-12) * (j % 2 == 0 ? 1 : 2) + (j < 3 ? 0 : 1);
                        if (Math.abs(want - normed[i * 6 + j]) > 1e-3) {
                            LOG.info("fused inference kernels off: the fused layer norm disagrees with the reference");
                            return false;
                        }
                    }
                }
            }
            LOG.debug("fused inference kernels on ({})", precision.label());
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.info("fused inference kernels off ({}): {}", precision.label(), e.getMessage() == null ? e.toString()
                    : e.getMessage().lines().findFirst().orElse(""));
            return false;
        }
    }

    /** {@code GELU_tanh(x W + b)} as one fused product of {@code x}'s type (fp32 or bfloat16). */
    @SuppressWarnings("unchecked")
    static <T extends TType> Operand<T> denseGelu(Ops tf, Operand<T> x, Operand<T> kernel, Operand<T> bias) {
        GraphOperationBuilder op = ((Graph) tf.scope().env()).opBuilder("_FusedMatMul", tf.scope().makeOpName("FusedMatMulGelu"),
                tf.scope());
        op.addInput(x.asOutput()).addInput(kernel.asOutput()).addInputList(new Output<?>[] {bias.asOutput()});
        op.setAttr("T", x.type() == TBfloat16.class ? DataType.DT_BFLOAT16 : DataType.DT_FLOAT);
        op.setAttr("num_args", 1L);
        op.setAttr("fused_ops", new String[] {"BiasAdd", "GeluApproximate"});
        Operand<?> y = op.build().output(0);
        return (Operand<T>) y;
    }

    /**
     * Layer normalisation of the last axis of {@code x} (any rank ≥ 2) with the parameters {@code gamma} and
     * {@code beta} of {@code scope/name}, as {@link dev.infuse.nn.LayerNorm} creates them.
     */
    static Operand<TFloat32> layerNorm(ModelScope scope, String name, Operand<TFloat32> x, int size, float epsilon) {
        ModelScope s = scope.child(name);
        Operand<TFloat32> gamma = s.parameter("gamma", new long[] {size}, Initializers.ones());
        Operand<TFloat32> beta = s.parameter("beta", new long[] {size}, Initializers.zeros());
        return layerNorm(s.tf(), x, gamma, beta, epsilon);
    }

    private static Operand<TFloat32> layerNorm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> gamma, Operand<TFloat32> beta,
            float epsilon) {
        // The remapper fuses the form over [rows, H] only: other ranks are viewed as rows and back.
        Operand<TInt32> shape = tf.shape(x);
        Operand<TInt32> last = tf.reshape(tf.math.sub(tf.rank(x), tf.constant(1)), tf.constant(new int[] {1}));
        Operand<TInt32> width = tf.slice(shape, last, tf.constant(new int[] {1}));
        Operand<TFloat32> flat = tf.reshape(x, tf.concat(List.of(tf.constant(new int[] {-1}), width), tf.constant(0)));
        Operand<TInt32> flatShape = tf.shape(flat);
        Operand<TInt32> rows = tf.slice(flatShape, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        // Every row is one channel of an NCHW batch of one: [1, rows, H, 1].
        Operand<TInt32> nchw = tf.concat(List.of(tf.constant(new int[] {1}), rows, width, tf.constant(new int[] {1})),
                tf.constant(0));
        Operand<TFloat32> empty = tf.constant(new float[0]);
        FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(tf.reshape(flat, nchw), tf.fill(rows, tf.constant(1f)),
                tf.fill(rows, tf.constant(0f)), empty, empty, FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.isTraining(true),
                FusedBatchNorm.dataFormat("NCHW"));
        Operand<TFloat32> scaled = tf.math.mul(tf.reshape(bn.y(), flatShape), gamma);
        return tf.reshape(addV2(tf, beta, scaled), shape);
    }

    /** {@code AddV2} (the form the remapper's patterns name; {@code Ops.math.add} builds {@code Add}). */
    @SuppressWarnings("unchecked")
    private static Operand<TFloat32> addV2(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
        Operand<?> sum = ((Graph) tf.scope().env()).opBuilder("AddV2", tf.scope().makeOpName("AddV2"), tf.scope())
                .addInput(a.asOutput()).addInput(b.asOutput()).build().output(0);
        return (Operand<TFloat32>) sum;
    }
}
