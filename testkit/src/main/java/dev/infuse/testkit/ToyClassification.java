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
    /** The entity ids the toy sentences' first word is linked to ({@code Q1}, {@code Q2}, {@code Q3}). */
    public static final List<String> ENTITY_IDS = List.of("Q1", "Q2", "Q3");

    private static final String[] WORDS = {"the", "a", "cat", "dog", "house", "is", "was", "very", "old", "new", "big", "small"};

    private final Tokenizer tokenizer;
    private final List<TokenizedText> texts = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final List<List<dev.infuse.spi.TokenInput>> tokenInputs = new ArrayList<>();

    public ToyClassification(Tokenizer tokenizer, int size, long seed) {
        this(tokenizer, size, seed, List.of());
    }

    /**
     * Sentences whose first word is an entity mention linked to one of {@link #ENTITY_IDS}, with the
     * adapters' text-side hooks applied (pseudo-tokens before the mention, per-token inputs).
     */
    public ToyClassification(Tokenizer tokenizer, int size, long seed, List<dev.infuse.spi.KnowledgeAdapter> adapters) {
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
            String sentence = s.toString();
            int firstEnd = sentence.indexOf(' ') < 0 ? sentence.length() : sentence.indexOf(' ');
            var mention = new dev.infuse.spi.EntityMention(0, firstEnd, ENTITY_IDS.get(i % ENTITY_IDS.size()),
                    sentence.substring(0, firstEnd));
            StringBuilder prefix = new StringBuilder();
            adapters.forEach(a -> prefix.append(a.mentionPrefix(mention)));
            String text = prefix + sentence;
            var placed = new dev.infuse.spi.EntityMention(prefix.length(), prefix.length() + firstEnd, mention.entityId(),
                    mention.surface());
            TokenizedText t = tokenizer.encode(text);
            List<dev.infuse.spi.TokenInput> inputs = new ArrayList<>();
            adapters.forEach(a -> inputs.addAll(a.tokenInputs(t, List.of(placed))));
            texts.add(t);
            tokenInputs.add(inputs);
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
        int time = group.stream().mapToInt(TokenizedText::length).max().orElse(0);
        List<List<dev.infuse.spi.TokenInput>> inputs = new ArrayList<>();
        for (int i : indices) {
            inputs.add(tokenInputs.get(i));
        }
        Batches.addTokenInputs(b, inputs, time);
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
