package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Graphs that take no gradient through the backbone run GELU fused into its product and each layer norm as
 * one kernel; they compute what the differentiable graph computes.
 */
class InferenceKernelsTest {
    @TempDir
    Path cache;

    private static final int[][] IDS = {{2, 10, 11, 12, 13, 3}, {2, 14, 15, 3, 0, 0}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};
    private static final int LAYERS = 3;

    private BertBackbone random(String precision) {
        return RandomBertProvider.create(cache, Map.of("layers", LAYERS, "hidden", 64, "heads", 4, "intermediate", 128,
                "precision", precision));
    }

    @Test
    void thisBuildRunsTheFusedKernels() {
        // CI's machines (Linux x86-64, oneDNN on by default) must take the fast path; elsewhere it may be off.
        boolean onednn = System.getProperty("os.arch").matches("amd64|x86_64") && System.getProperty("os.name").startsWith("Linux")
                && !"0".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS"));
        if (onednn) {
            assertThat(InferenceKernels.available(Precision.FP32)).isTrue();
            assertThat(InferenceKernels.available(Precision.BF16)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "bf16"})
    void inferenceGraphsFuseAndComputeWhatDifferentiableGraphsCompute(String precision) {
        BertBackbone backbone = random(precision);
        List<float[]> reference = classic(() -> {
            try (BertGraph g = new BertGraph(backbone, true)) {
                assertThat(g.scope.differentiable()).isTrue();
                return g.run(IDS, MASK, outputs(g));
            }
        });
        try (BertGraph g = new BertGraph(backbone, false)) {
            assertThat(g.scope.differentiable()).isFalse();
            List<Operand<TFloat32>> outputs = outputs(g);
            List<float[]> fused = g.run(IDS, MASK, outputs);
            // bf16: GELU now reads the fp32 accumulator (rather than the product rounded to bf16) before its one rounding.
            double tolerance = precision.equals("fp32") ? 2e-4 : 0.08;
            for (int k = 0; k < reference.size(); k++) {
                float[] a = reference.get(k);
                float[] b = fused.get(k);
                assertThat(b).hasSameSizeAs(a);
                double max = 0;
                for (int i = 0; i < a.length; i++) {
                    max = Math.max(max, Math.abs(a[i] - b[i]));
                }
                assertThat(max).as("output %d, max |difference|", k).isLessThan(tolerance);
            }
            if (InferenceKernels.available(Precision.FP32) && InferenceKernels.available(backbone.precision())) {
                List<NodeDef> ran = executed(g, outputs);
                long gelu = ran.stream().filter(n -> n.getOp().contains("FusedMatMul")
                        && n.getAttrMap().containsKey("fused_ops")
                        && n.getAttrMap().get("fused_ops").getList().getSList().stream().anyMatch(x -> x.toStringUtf8().equals("GeluApproximate")))
                        .count();
                long norms = ran.stream().filter(n -> n.getOp().contains("LayerNorm")).count();
                long batchNorms = ran.stream().filter(n -> n.getOp().contains("FusedBatchNorm")).count();
                assertThat(gelu).as("one fused GELU product per layer and the masked-LM transform").isEqualTo(LAYERS + 1);
                // The layers' norms (over [rows, H]) become oneDNN layer norms; the embeddings' stays one fused
                // batch-norm kernel; the masked-LM transform keeps the moments form (the batch-norm kernel's variance
                // moved its logits by 1.4e-4, three times the bound of BertSavedModelIT).
                assertThat(norms).as("oneDNN layer norms: two per layer").isEqualTo(2L * LAYERS);
                assertThat(batchNorms).as("the embeddings'").isEqualTo(1);
                assertThat(ran.stream().filter(n -> n.getOp().equals("Rsqrt"))).as("the masked-LM transform's").hasSize(1);
                assertThat(ran).noneMatch(n -> n.getOp().equals("Tanh"));
            }
        }
    }

    @Test
    void theFusedLayerNormHasTheGradientOfTheClassicOne() {
        BertBackbone backbone = random("fp32");
        float[] classic = classic(() -> gradient(backbone));
        float[] fused = gradient(backbone);
        assertThat(fused).hasSameSizeAs(classic);
        double max = 0;
        double scale = 0;
        for (int i = 0; i < classic.length; i++) {
            max = Math.max(max, Math.abs(classic[i] - fused[i]));
            scale = Math.max(scale, Math.abs(classic[i]));
        }
        assertThat(scale).as("a gradient that is not zero").isGreaterThan(1e-3);
        assertThat(max).isLessThan(1e-4 * Math.max(1, scale));
    }

    /** The gradient of a fixed projection of the last layer with respect to the word embeddings. */
    private static float[] gradient(BertBackbone backbone) {
        try (BertGraph g = new BertGraph(backbone, true)) {
            float[] w = new float[64];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) Math.sin(i + 1);
            }
            var tf = g.build.tf();
            Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(g.states.last(), tf.constant(w)), tf.constant(new int[] {0, 1, 2}));
            org.tensorflow.Output<?>[] dx = g.build.graph().addGradients(loss.asOutput(),
                    new org.tensorflow.Output<?>[] {g.wordEmbeddings.asOutput()});
            @SuppressWarnings("unchecked")
            Operand<TFloat32> grad = (Operand<TFloat32>) dx[0];
            return g.run(IDS, MASK, List.of(grad)).get(0);
        }
    }

    /** Runs {@code body} with the fused forms switched off (the classic moments-style norms and unfused GELU). */
    private static <T> T classic(java.util.function.Supplier<T> body) {
        System.setProperty(InferenceKernels.SWITCH, "false");
        try {
            return body.get();
        } finally {
            System.clearProperty(InferenceKernels.SWITCH);
        }
    }

    private static List<Operand<TFloat32>> outputs(BertGraph g) {
        return List.of(g.states.tap(0), g.states.tap(1), g.states.last(), g.pooled, g.mlm());
    }

    /** The nodes of the graph TensorFlow ran after its rewrites (grappler, the oneDNN layout pass). */
    private static List<NodeDef> executed(BertGraph g, List<Operand<TFloat32>> outputs) {
        Session s = g.session();
        try (TInt32 i = BertGraph.matrix(IDS); TInt32 t = BertGraph.matrix(BertGraph.zeros(IDS)); TInt32 m = BertGraph.matrix(MASK)) {
            Session.Runner r = s.runner().feed(g.ids, i).feed(g.types, t).feed(g.mask, m)
                    .setOptions(RunOptions.newBuilder().setOutputPartitionGraphs(true).build());
            outputs.forEach(r::fetch);
            try (Result result = r.runAndFetchMetadata()) {
                List<NodeDef> nodes = new ArrayList<>();
                for (GraphDef graph : result.getMetadata().orElseThrow().getPartitionGraphsList()) {
                    nodes.addAll(graph.getNodeList());
                }
                return nodes;
            }
        }
    }
}
