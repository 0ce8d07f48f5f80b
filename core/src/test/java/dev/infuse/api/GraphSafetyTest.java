package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/** The allow-list refuses side-effecting operations in graphs and function bodies, and accepts real models. */
class GraphSafetyTest {

    @TempDir
    Path tmp;

    private static NodeDef node(String name, String op) {
        return NodeDef.newBuilder().setName(name).setOp(op).build();
    }

    private static SavedModel saved(GraphDef g) {
        return SavedModel.newBuilder().addMetaGraphs(MetaGraphDef.newBuilder().setGraphDef(g)).build();
    }

    @Test
    void pureGraphPasses() {
        GraphDef g = GraphDef.newBuilder().addNode(node("x", "Placeholder")).addNode(node("w", "VarHandleOp"))
                .addNode(node("r", "ReadVariableOp")).addNode(node("y", "MatMul")).addNode(node("s", "Softmax")).build();
        assertThat(GraphSafety.check(g)).isEmpty();
    }

    @Test
    void fileAndCodeOperationsAreListedWithTheirNodes() {
        GraphDef g = GraphDef.newBuilder().addNode(node("x", "Placeholder")).addNode(node("steal", "ReadFile"))
                .addNode(node("drop", "WriteFile")).addNode(node("py", "PyFunc")).addNode(node("p", "PrintV2"))
                .addNode(node("ds", "TFRecordDataset")).addNode(node("evil/SaveV2", "SaveV2"))
                .addNode(node("mystery", "SomeCustomOp")).build();
        List<GraphSafety.Violation> v = GraphSafety.check(g);
        assertThat(v).extracting(GraphSafety.Violation::op)
                .containsExactly("ReadFile", "WriteFile", "PyFunc", "PrintV2", "TFRecordDataset", "SaveV2", "SomeCustomOp");
        assertThat(v.get(0).node()).isEqualTo("steal");
    }

    @Test
    void saveOperationsPassOnlyInASaverScopeWhileRestoresPassAnywhere() {
        GraphDef g = GraphDef.newBuilder().addNode(node("save/SaveV2", "SaveV2"))
                .addNode(node("save_2/MergeV2Checkpoints", "MergeV2Checkpoints"))
                .addNode(node("checkpoint_initializer_3", "RestoreV2")).addNode(node("save/RestoreV2", "RestoreV2"))
                .addNode(node("saver/SaveV2", "SaveV2")).build();
        assertThat(GraphSafety.check(g)).extracting(GraphSafety.Violation::node).containsExactly("saver/SaveV2");
    }

    @Test
    void functionBodiesAreCheckedAndCallsOfThemAllowed() {
        FunctionDef f = FunctionDef.newBuilder().setSignature(OpDef.newBuilder().setName("helper"))
                .addNodeDef(node("inner", "WriteFile")).build();
        FunctionDef saver = FunctionDef.newBuilder().setSignature(OpDef.newBuilder().setName("__inference__traced_save_42"))
                .addNodeDef(node("SaveV2", "SaveV2")).build();
        GraphDef g = GraphDef.newBuilder().addNode(node("call", "helper"))
                .setLibrary(FunctionDefLibrary.newBuilder().addFunction(f).addFunction(saver)).build();
        List<GraphSafety.Violation> v = GraphSafety.check(g);
        assertThat(v).hasSize(1);
        assertThat(v.get(0).toString()).isEqualTo("WriteFile (node 'inner' in function 'helper')");
    }

    @Test
    void requireSafeNamesFileOpsNodesAndTheOptOut() throws Exception {
        Path pb = tmp.resolve("saved_model.pb");
        Files.write(pb, saved(GraphDef.newBuilder().addNode(node("x", "Placeholder")).addNode(node("leak", "ReadFile")).build())
                .toByteArray());
        InfuseException e = catchThrowableOfType(InfuseException.class, () -> GraphSafety.requireSafe(pb, "allow_unsafe_ops"));
        assertThat(e.code()).isEqualTo("backbone-unsafe-graph");
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e.getMessage()).contains(pb.toString(), "[ReadFile]", "node 'leak'", "allow_unsafe_ops=true");
    }

    @Test
    void manyViolationsAreSummarised() throws Exception {
        GraphDef.Builder g = GraphDef.newBuilder();
        for (int i = 0; i < 50; i++) {
            g.addNode(node("w" + i, "WriteFile"));
        }
        Path pb = Files.write(tmp.resolve("graph.pb"), g.build().toByteArray());
        InfuseException e = catchThrowableOfType(InfuseException.class, () -> GraphSafety.requireSafe(pb, "k"));
        assertThat(e.getMessage()).contains("50 operation(s)", "and 30 more").doesNotContain("'w25'");
    }

    @Test
    void garbageAndMissingFilesAreBackboneErrors() throws Exception {
        Path junk = Files.write(tmp.resolve("saved_model.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02});
        InfuseException bad = catchThrowableOfType(InfuseException.class, () -> GraphSafety.scan(junk));
        assertThat(bad.code()).isEqualTo("backbone-invalid");
        assertThat(bad.getMessage()).contains(junk.toString(), "SavedModel");
        InfuseException missing = catchThrowableOfType(InfuseException.class, () -> GraphSafety.scan(tmp.resolve("none.pb")));
        assertThat(missing.code()).isEqualTo("backbone-not-found");
    }

    @Test
    void aSavedModelExportedByTensorFlowJavaPasses() throws Exception {
        Path dir = tmp.resolve("model");
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
            var w = tf.variable(tf.constant(new float[][] {{1f, 2f}, {3f, 4f}}));
            var y = tf.nn.softmax(tf.linalg.matMul(x, w));
            s.initialize();
            org.tensorflow.SessionFunction f = s.function(Signature.builder().input("x", x).output("y", y).build());
            SavedModelBundle.exporter(dir.toString()).withSession(s).withFunction(f).export();
        }
        assertThat(GraphSafety.scan(dir.resolve("saved_model.pb"))).isEmpty();
    }
}
