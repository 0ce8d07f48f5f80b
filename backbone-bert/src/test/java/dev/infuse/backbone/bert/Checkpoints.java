package dev.infuse.backbone.bert;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;

/** Writes BERT weights as a TensorFlow checkpoint (SaveV2), for loader tests. */
final class Checkpoints {
    private Checkpoints() {}

    /**
     * @param root {@code "bert/"} or {@code "module/bert/"}; the MLM head goes under the part before
     *     {@code bert/}
     * @param names which canonical weights to write
     */
    static void write(BertWeights weights, Path prefix, String root, List<String> names) {
        String clsRoot = root.substring(0, root.length() - "bert/".length());
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            List<String> stored = new ArrayList<>();
            List<Operand<?>> data = new ArrayList<>();
            for (String n : names) {
                BertWeights.Weight w = weights.get(n);
                stored.add(n.startsWith("cls/") ? clsRoot + n : root + n);
                data.add(tf.constant(Shape.of(w.shape()), DataBuffers.of(w.values(), true, false)));
            }
            String[] empty = new String[names.size()];
            java.util.Arrays.fill(empty, "");
            var save = tf.train.save(tf.constant(prefix.toString()),
                    tf.constant(StandardCharsets.UTF_8, stored.toArray(new String[0])),
                    tf.constant(StandardCharsets.UTF_8, empty), data);
            s.run(save);
        }
    }
}
