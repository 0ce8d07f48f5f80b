package dev.infuse.adapter.kilm;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * Description infilling on held-out entities, read from the masked-LM head's {@code logits}
 * (the model must have a {@link dev.infuse.heads.MaskedLmHead}): the top-1 prediction at each mask
 * against the description's word piece.
 *
 * <p>Metrics: {@code wordpiece_accuracy} (over all masked pieces, the primary metric),
 * {@code first_word_exact_match} (share of entities whose first description word is predicted
 * piece for piece), {@code description_exact_match} (every piece right), {@code entities} and
 * {@code pieces} (how many were scored).
 */
public final class KilmEvaluator implements Evaluator {
    private final KilmData data;
    private final int batchSize;

    /**
     * @param data held-out entities, featurised for the model being evaluated
     * @param batchSize entities per forward pass
     */
    public KilmEvaluator(KilmData data, int batchSize) {
        this.data = data;
        this.batchSize = batchSize;
    }

    @Override
    public Map<String, Double> evaluate(ComposedModel model) {
        Operand<?> logits = model.headOutputs().orElseThrow(
                () -> new IllegalStateException("the model needs a masked-LM head")).outputs().get("logits");
        int[] lengths = new int[data.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.length(i);
        }
        Scores scores = new Scores();
        for (int[] idx : Batches.bucketed(lengths, batchSize, 0, null)) {
            try (Batch b = data.batch(idx); Result r = model.run(b, List.of(logits))) {
                TFloat32 t = (TFloat32) r.get(0);
                int vocabulary = (int) t.shape().size(1);
                float[] all = new float[(int) t.shape().size()];
                t.asRawTensor().data().asFloats().read(all);
                int m = 0;
                for (int i : idx) {
                    KilmData.Example x = data.examples().get(i);
                    int[] predicted = new int[x.labels().length];
                    for (int j = 0; j < predicted.length; j++, m++) {
                        predicted[j] = argMax(all, m * vocabulary, vocabulary);
                    }
                    scores.add(x, predicted);
                }
            }
        }
        return scores.metrics(data.size());
    }

    /**
     * A control without any model: at the {@code j}-th mask of every test entity, predict the word
     * piece most frequent at the {@code j}-th description position among the training entities
     * (e.g. "a" first). A plug-in that only learns this prior scores the same.
     */
    public static Map<String, Double> positionPrior(KilmData train, KilmData test) {
        List<Map<Integer, Integer>> counts = new java.util.ArrayList<>();
        for (KilmData.Example x : train.examples()) {
            for (int j = 0; j < x.labels().length; j++) {
                while (counts.size() <= j) {
                    counts.add(new java.util.HashMap<>());
                }
                counts.get(j).merge(x.labels()[j], 1, Integer::sum);
            }
        }
        int[] best = new int[counts.size()];
        for (int j = 0; j < best.length; j++) {
            best[j] = counts.get(j).entrySet().stream()
                    .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey(
                            java.util.Comparator.reverseOrder())))
                    .orElseThrow().getKey();
        }
        Scores scores = new Scores();
        for (KilmData.Example x : test.examples()) {
            int[] predicted = new int[x.labels().length];
            for (int j = 0; j < predicted.length; j++) {
                predicted[j] = j < best.length ? best[j] : -1;
            }
            scores.add(x, predicted);
        }
        return scores.metrics(test.size());
    }

    /** Running totals of the metrics. */
    private static final class Scores {
        long pieces;
        long correct;
        long firstWord;
        long whole;

        void add(KilmData.Example x, int[] predicted) {
            boolean firstOk = true;
            boolean allOk = true;
            for (int j = 0; j < x.labels().length; j++) {
                boolean ok = predicted[j] == x.labels()[j];
                correct += ok ? 1 : 0;
                allOk &= ok;
                if (j < x.firstWordPieces()) {
                    firstOk &= ok;
                }
            }
            pieces += x.labels().length;
            firstWord += firstOk ? 1 : 0;
            whole += allOk ? 1 : 0;
        }

        Map<String, Double> metrics(int n) {
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("wordpiece_accuracy", pieces == 0 ? 0.0 : (double) correct / pieces);
            out.put("first_word_exact_match", n == 0 ? 0.0 : (double) firstWord / n);
            out.put("description_exact_match", n == 0 ? 0.0 : (double) whole / n);
            out.put("entities", (double) n);
            out.put("pieces", (double) pieces);
            return out;
        }
    }

    @Override
    public String primaryMetric() {
        return "wordpiece_accuracy";
    }

    private static int argMax(float[] v, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
