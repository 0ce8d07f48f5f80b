package dev.infuse.testkit;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * A learnable two-class toy task over the tiny vocabulary: label 1 iff the sentence contains the
 * word "good". Enough to show that training moves a loss and an accuracy.
 */
public final class ToyClassification implements TrainingData, Evaluator {
    private static final String[] WORDS = {"the", "a", "cat", "dog", "house", "is", "was", "very", "old", "new", "big", "small"};

    private final Tokenizer tokenizer;
    private final List<TokenizedText> texts = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();

    public ToyClassification(Tokenizer tokenizer, int size, long seed) {
        this.tokenizer = tokenizer;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            int n = 3 + r.nextInt(6);
            StringBuilder s = new StringBuilder();
            boolean positive = r.nextBoolean();
            int at = r.nextInt(n);
            for (int j = 0; j < n; j++) {
                s.append(j > 0 ? " " : "").append(positive && j == at ? "good" : WORDS[r.nextInt(WORDS.length)]);
            }
            texts.add(tokenizer.encode(s.toString()));
            labels.add(positive ? 1 : 0);
        }
    }

    @Override
    public int size() {
        return texts.size();
    }

    /** The tokenised text of example {@code i}. */
    public TokenizedText text(int i) {
        return texts.get(i);
    }

    @Override
    public int length(int i) {
        return texts.get(i).length();
    }

    @Override
    public Batch batch(int[] indices) {
        List<TokenizedText> group = new ArrayList<>();
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            group.add(texts.get(indices[k]));
            y[k] = labels.get(indices[k]);
        }
        Batch b = Batches.standard(group, tokenizer.padId());
        b.put("labels", Batches.ints(y, y.length));
        return b;
    }

    @Override
    public Map<String, Double> evaluate(ComposedModel model) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        int correct = 0;
        for (int[] idx : Batches.bucketed(lengths(), 16, 0, null)) {
            try (Batch b = batch(idx); Result r = model.run(b, List.of(probabilities))) {
                TFloat32 p = (TFloat32) r.get(0);
                for (int k = 0; k < idx.length; k++) {
                    int predicted = p.getFloat(k, 1) > p.getFloat(k, 0) ? 1 : 0;
                    correct += predicted == labels.get(idx[k]) ? 1 : 0;
                }
            }
        }
        return Map.of("accuracy", (double) correct / size());
    }

    @Override
    public String primaryMetric() {
        return "accuracy";
    }

    private int[] lengths() {
        return texts.stream().mapToInt(TokenizedText::length).toArray();
    }
}
