package dev.infuse.backbone.bert;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Reads float tensors by name from a TensorFlow checkpoint ({@code <prefix>.index} plus
 * {@code <prefix>.data-*}) with a graph of nothing but {@code RestoreV2}. A SavedModel's own graph
 * is never loaded, so a model folder cannot make us run arbitrary ops.
 */
final class CheckpointReader {
    /** Tensors per run, to bound the native memory held at once. */
    private static final int BATCH = 24;

    private final String prefix;

    /** @param prefix checkpoint prefix, e.g. {@code /m/variables/variables} */
    CheckpointReader(String prefix) {
        this.prefix = prefix;
    }

    /** Whether the checkpoint holds a float tensor with this name. */
    boolean contains(String name) {
        try {
            read(List.of(name));
            return true;
        } catch (TensorFlowException e) {
            return false;
        }
    }

    /**
     * Reads the named float tensors.
     *
     * @throws TensorFlowException if a name is missing or the files are damaged
     */
    Map<String, BertWeights.Weight> read(List<String> names) {
        Map<String, BertWeights.Weight> out = new LinkedHashMap<>();
        for (int start = 0; start < names.size(); start += BATCH) {
            List<String> batch = names.subList(start, Math.min(names.size(), start + BATCH));
            try (Graph g = new Graph()) {
                Ops tf = Ops.create(g);
                String[] empty = new String[batch.size()];
                java.util.Arrays.fill(empty, "");
                List<Class<? extends TType>> types = new ArrayList<>(Collections.nCopies(batch.size(), TFloat32.class));
                Restore restore = tf.train.restore(tf.constant(prefix), tf.constant(StandardCharsets.UTF_8,
                        batch.toArray(new String[0])), tf.constant(StandardCharsets.UTF_8, empty), types);
                try (Session session = new Session(g)) {
                    Session.Runner runner = session.runner();
                    restore.tensors().forEach(runner::fetch);
                    try (Result result = runner.run()) {
                        for (int i = 0; i < batch.size(); i++) {
                            TFloat32 t = (TFloat32) result.get(i);
                            long[] shape = t.shape().asArray();
                            float[] values = new float[Math.toIntExact(t.size())];
                            t.asRawTensor().data().asFloats().read(values);
                            out.put(batch.get(i), new BertWeights.Weight(shape, values));
                        }
                    }
                }
            }
        }
        return out;
    }
}
