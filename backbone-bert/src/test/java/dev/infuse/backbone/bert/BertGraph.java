package dev.infuse.backbone.bert;

import dev.infuse.internal.graph.GraphBuild;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.ModelScope;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** A backbone built into its own inference graph, with helpers to feed int matrices and fetch floats. */
final class BertGraph implements AutoCloseable {
    final GraphBuild build;
    final ModelScope scope;
    final Operand<TInt32> ids;
    final Operand<TInt32> types;
    final Operand<TInt32> mask;
    final Operand<TFloat32> wordEmbeddings;
    final HiddenStates states;
    final Operand<TFloat32> pooled;
    private final Backbone backbone;
    private Operand<TFloat32> mlm;
    private Session session;

    BertGraph(Backbone backbone) {
        this(backbone, false);
    }

    /**
     * @param differentiable build a graph that gradients may be taken through (no inference-only kernels; dropout
     *     stays off unless the {@code training} input is fed true)
     */
    BertGraph(Backbone backbone, boolean differentiable) {
        this.backbone = backbone;
        build = new GraphBuild(7, differentiable);
        scope = build.component("backbone", false);
        ids = scope.input("input_ids", TInt32.class, -1, -1);
        types = scope.input("token_type_ids", TInt32.class, -1, -1);
        mask = scope.input("attention_mask", TInt32.class, -1, -1);
        wordEmbeddings = backbone.embedWords(scope, ids);
        states = backbone.encode(scope, wordEmbeddings, types, mask);
        pooled = backbone.pool(scope, states);
    }

    /** The masked-LM logits over the last layer (built on first use, before the session opens). */
    Operand<TFloat32> mlm() {
        if (mlm == null) {
            mlm = backbone.maskedLmLogits(scope, states.last());
        }
        return mlm;
    }

    /** Opens the session and assigns the weights; call after adding any further ops. */
    Session session() {
        if (session == null) {
            session = new Session(build.graph());
            build.initialize(session);
        }
        return session;
    }

    /** Runs with the given inputs (types default to zeros, mask to ones) and fetches {@code outputs}. */
    List<float[]> run(int[][] inputIds, int[][] mask, List<Operand<TFloat32>> outputs) {
        int[][] m = mask != null ? mask : ones(inputIds);
        try (TInt32 i = matrix(inputIds); TInt32 t = matrix(zeros(inputIds)); TInt32 k = matrix(m)) {
            Session.Runner r = session().runner().feed(ids, i).feed(types, t).feed(this.mask, k);
            outputs.forEach(r::fetch);
            try (Result result = r.run()) {
                List<float[]> out = new ArrayList<>();
                for (int j = 0; j < outputs.size(); j++) {
                    out.add(floats((TFloat32) result.get(j)));
                }
                return out;
            }
        }
    }

    static TInt32 matrix(int[][] rows) {
        int cols = rows[0].length;
        int[] flat = new int[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * cols, cols);
        }
        return TInt32.tensorOf(Shape.of(rows.length, cols), DataBuffers.of(flat, true, false));
    }

    static float[] floats(TFloat32 t) {
        float[] v = new float[Math.toIntExact(t.size())];
        t.asRawTensor().data().asFloats().read(v);
        return v;
    }

    static int[][] ones(int[][] like) {
        int[][] m = new int[like.length][like[0].length];
        for (int[] row : m) {
            java.util.Arrays.fill(row, 1);
        }
        return m;
    }

    static int[][] zeros(int[][] like) {
        return new int[like.length][like[0].length];
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
        build.close();
    }
}
