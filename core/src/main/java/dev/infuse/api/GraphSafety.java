package dev.infuse.api;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * Checks a TensorFlow graph brought by a user ({@code saved_model.pb} or a binary {@code GraphDef})
 * against an allow-list of operations before anything could run it. Pure computations (arithmetic,
 * shapes, neural-network kernels, resource-variable reads and assignments, random initialisers)
 * pass; operations that touch the world outside the graph — file reads and writes, printing,
 * datasets, Python callbacks, queues, summaries, anything unknown — are refused with one error
 * listing every offending operation and node.
 *
 * <p>Checkpoint operations get a narrow exception because the SavedModel format itself needs them:
 * restore operations ({@code RestoreV2} and kin) may appear anywhere (they only read tensors into the
 * graph); save operations ({@code SaveV2}, {@code MergeV2Checkpoints}, ...) only inside the name
 * scope of a {@code tf.train.Saver} ({@code save/}, {@code save_N/}) or a TF2 saving function
 * ({@code __inference__traced_save_*} and {@code ..._restore_*}). Function bodies in the graph's
 * library are checked like the main graph.
 *
 * <p>Infuse's BERT loader never runs a user's graph (it reads variables by name with
 * {@code RestoreV2} into a graph it builds itself); this check is a second line of defence, and the
 * gate for any plugin that does want to run a foreign graph.
 */
public final class GraphSafety {
    /** Largest graph file read, whatever its size on disk. */
    public static final long MAX_GRAPH_BYTES = 1L << 30;

    /** Pure operations: no file, network, process or console access and no effect beyond the graph's own state. */
    public static final Set<String> ALLOWED_OPS = Set.of(
            // constants, placeholders, identities and control
            "Const", "Placeholder", "PlaceholderV2", "PlaceholderWithDefault", "Identity", "IdentityN", "NoOp",
            "StopGradient", "PreventGradient", "Snapshot", "Assert", "CheckNumerics", "EnsureShape",
            "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "ControlTrigger",
            "If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase",
            "PartitionedCall", "StatefulPartitionedCall",
            // variables
            "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp",
            "VarIsInitializedOp", "DestroyResourceOp", "ResourceGather", "ResourceGatherNd",
            "Variable", "VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized",
            // arithmetic
            "Add", "AddV2", "AddN", "Sub", "Mul", "MulNoNan", "Div", "DivNoNan", "RealDiv", "FloorDiv", "FloorMod",
            "TruncateDiv", "TruncateMod", "Mod", "Neg", "Abs", "Sign", "Reciprocal", "Inv", "Square", "Sqrt", "Rsqrt",
            "Exp", "Expm1", "Log", "Log1p", "Pow", "SquaredDifference", "Maximum", "Minimum", "Floor", "Ceil",
            "Round", "Rint", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2", "Sinh", "Cosh", "Tanh", "Asinh",
            "Acosh", "Atanh", "Erf", "Erfc", "Erfinv", "Lgamma", "Digamma", "Sigmoid", "IsNan", "IsInf", "IsFinite",
            "ClipByValue", "BiasAdd", "BiasAddV1", "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3",
            "Einsum", "Cumsum", "Cumprod", "Cast", "Bitcast", "Complex", "Real", "Imag", "Conj",
            // comparisons and logic
            "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr",
            "LogicalNot", "Select", "SelectV2", "Where", "All", "Any",
            // reductions
            "Sum", "Mean", "Max", "Min", "Prod", "ArgMax", "ArgMin", "EuclideanNorm", "TopKV2",
            "SegmentSum", "UnsortedSegmentSum", "UnsortedSegmentMax",
            // shapes and indexing
            "Shape", "ShapeN", "Size", "Rank", "Reshape", "ExpandDims", "Squeeze", "Transpose", "ConjugateTranspose",
            "Pack", "Unpack", "Concat", "ConcatV2", "ConcatOffset", "Split", "SplitV", "Slice", "StridedSlice",
            "StridedSliceGrad", "Gather", "GatherV2", "GatherNd", "ScatterNd", "TensorScatterUpdate", "Tile",
            "Fill", "ZerosLike", "OnesLike", "Range", "OneHot", "Pad", "PadV2", "MirrorPad", "Reverse", "ReverseV2",
            "BroadcastTo", "BroadcastArgs", "BroadcastGradientArgs", "BroadcastShape", "LinSpace", "InvertPermutation",
            "MatrixBandPart", "MatrixDiag", "MatrixDiagV3", "MatrixSetDiag", "MatrixSetDiagV3", "DiagPart",
            // neural-network kernels
            "Softmax", "LogSoftmax", "Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign", "LeakyRelu", "Gelu",
            "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits", "L2Loss",
            "FusedBatchNorm", "FusedBatchNormV3", "Conv2D", "Conv1D", "DepthwiseConv2dNative", "MaxPool", "AvgPool",
            "ReluGrad", "TanhGrad", "SigmoidGrad", "SoftmaxGrad", "RsqrtGrad", "SqrtGrad",
            // random initialisers
            "RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal", "StatelessRandomUniform",
            "StatelessRandomNormal", "StatelessTruncatedNormal", "StatelessRandomUniformV2",
            "StatelessRandomNormalV2", "StatelessTruncatedNormalV2", "StatelessRandomGetKeyCounter",
            // strings (in memory only)
            "StringJoin", "StaticRegexFullMatch", "StringLength", "Substr");

    /** Operations that only read checkpoint tensors into the graph; the SavedModel format restores variables with them. */
    public static final Set<String> RESTORE_OPS = Set.of("RestoreV2", "Restore", "RestoreSlice");

    /** Operations that write checkpoint files: allowed only in a saver's scope (see the class comment). */
    public static final Set<String> SAVE_OPS = Set.of("SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints",
            "ShardedFilename", "ShardedFilespec");

    private static final Pattern SAVER_SCOPE = Pattern.compile("^save(_\\d+)?/.*");
    private static final Pattern SAVER_FUNCTION = Pattern.compile("^__inference__traced_(save|restore)_\\d+$");
    private static final int LISTED = 20;

    private GraphSafety() {}

    /**
     * One operation outside the allow-list.
     *
     * @param op the operation type, e.g. {@code WriteFile}
     * @param node the node's name
     * @param location {@code graph} or {@code function 'name'}
     */
    public record Violation(String op, String node, String location) {
        @Override
        public String toString() {
            return op + " (node '" + node + "'" + (location.equals("graph") ? "" : " in " + location) + ")";
        }
    }

    /** The violations of a parsed SavedModel, across all its meta-graphs. */
    public static List<Violation> check(SavedModel model) {
        List<Violation> out = new ArrayList<>();
        for (MetaGraphDef meta : model.getMetaGraphsList()) {
            out.addAll(check(meta.getGraphDef()));
        }
        return out;
    }

    /** The violations of a GraphDef: its nodes and every function of its library. */
    public static List<Violation> check(GraphDef graph) {
        List<Violation> out = new ArrayList<>();
        Set<String> functions = graph.getLibrary().getFunctionList().stream()
                .map(f -> f.getSignature().getName()).collect(Collectors.toSet());
        for (NodeDef node : graph.getNodeList()) {
            check(node, "graph", false, functions, out);
        }
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            String name = f.getSignature().getName();
            boolean saver = SAVER_FUNCTION.matcher(name).matches();
            for (NodeDef node : f.getNodeDefList()) {
                check(node, "function '" + name + "'", saver, functions, out);
            }
        }
        return out;
    }

    private static void check(NodeDef node, String location, boolean inSaverFunction, Set<String> functions,
            List<Violation> out) {
        String op = node.getOp();
        if (ALLOWED_OPS.contains(op) || RESTORE_OPS.contains(op) || functions.contains(op)) {
            return; // a call of a library function is fine: its body is checked on its own
        }
        if (SAVE_OPS.contains(op) && (inSaverFunction || SAVER_SCOPE.matcher(node.getName()).matches())) {
            return;
        }
        out.add(new Violation(op, node.getName(), location));
    }

    /**
     * Reads a graph file and returns its violations: {@code saved_model.pb} is parsed as a
     * SavedModel, any other file as a binary GraphDef.
     *
     * @throws InfuseException {@code backbone-not-found} when the file does not exist;
     *     {@code backbone-invalid} when it is too large or not a valid protocol buffer
     */
    public static List<Violation> scan(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_GRAPH_BYTES) {
                throw new InfuseException("backbone-invalid", file + ": graph file of " + size
                        + " bytes is larger than the " + MAX_GRAPH_BYTES + " bytes accepted");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InfuseException("backbone-not-found", file + ": no such graph file");
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", file + ": cannot be read (" + e + ")", e);
        }
        boolean saved = file.getFileName().toString().equals("saved_model.pb");
        try {
            return saved ? check(SavedModel.parseFrom(bytes)) : check(GraphDef.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new InfuseException("backbone-invalid", file + ": not a valid " + (saved ? "SavedModel" : "GraphDef")
                    + " protocol buffer (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Refuses a graph file with any operation outside the allow-list.
     *
     * @param optOut the configuration key that turns the check off, named in the message
     * @throws InfuseException {@code backbone-unsafe-graph} listing the offending operations and nodes
     */
    public static void requireSafe(Path file, String optOut) {
        List<Violation> found = scan(file);
        if (found.isEmpty()) {
            return;
        }
        Set<String> ops = new TreeSet<>();
        found.forEach(v -> ops.add(v.op()));
        String nodes = found.stream().limit(LISTED).map(Violation::toString).collect(Collectors.joining(", "))
                + (found.size() > LISTED ? " and " + (found.size() - LISTED) + " more" : "");
        throw new InfuseException("backbone-unsafe-graph", file + ": the graph contains " + found.size()
                + " operation(s) outside the allow-list of pure computations: " + ops + "; nodes: " + nodes
                + ". These can read or write files or run code when the graph runs. Use a model from a source you trust; "
                + "set " + optOut + "=true to accept it anyway.");
    }
}
