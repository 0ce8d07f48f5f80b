package dev.infuse.tasks;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingData;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.TokenInput;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.Collections;
import dev.infuse.spi.TaskHead;
import java.util.List;
import java.util.function.BiConsumer;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Tensor;

/**
 * Tokenised examples of one task with the task's extra model inputs. Subclasses add those inputs to
 * each batch; {@link #forEachBatch} runs a model over every example in a deterministic order.
 */
public abstract class TaskDataset implements dev.infuse.spi.Task.Split {
    protected final Tokenizer tokenizer;
    protected final List<KnowledgeAdapter> adapters;
    protected final List<TokenizedText> texts = new ArrayList<>();
    private final List<List<TokenInput>> tokenInputs = new ArrayList<>();
    private final java.util.Map<String, Integer> skipped = new java.util.TreeMap<>();

    /**
     * @param adapters the run's adapters: their text-side hooks (mention prefixes, per-token inputs)
     *     are applied to every example
     */
    protected TaskDataset(Tokenizer tokenizer, List<KnowledgeAdapter> adapters) {
        this.tokenizer = tokenizer;
        this.adapters = List.copyOf(adapters);
    }

    /** Tokenises marked text, cut to {@code maxLength}, with the adapters' per-token inputs. */
    Encoded encode(MarkedText m, int maxLength) {
        if (m.unlinked > 0) {
            skipped.merge("unlinked-mentions", m.unlinked, Integer::sum);
        }
        TokenizedText t = truncate(tokenizer.encode(m.text), maxLength, tokenizer.sepId());
        List<TokenInput> inputs = new ArrayList<>();
        for (KnowledgeAdapter a : adapters) {
            inputs.addAll(a.tokenInputs(t, m.mentions));
        }
        return new Encoded(t, inputs);
    }

    /** A tokenised example and its adapters' per-token inputs. */
    record Encoded(TokenizedText text, List<TokenInput> inputs) {}

    /** Adds an example; subclasses add their own per-example data in the same order. */
    protected void keep(TokenizedText text, List<TokenInput> inputs) {
        texts.add(text);
        tokenInputs.add(inputs);
    }

    @Override
    public int size() {
        return texts.size();
    }

    @Override
    public int length(int i) {
        return texts.get(i).length();
    }

    /** The tokenised texts, in example order (the activation cache is keyed by them). */
    public List<TokenizedText> texts() {
        return Collections.unmodifiableList(texts);
    }

    /** Examples left out while featurising, by reason (e.g. a marker cut off by the length limit). */
    public java.util.Map<String, Integer> skipped() {
        return Collections.unmodifiableMap(skipped);
    }

    /** Counts one skipped example (or, for {@code unlinked-mentions}, one mention left as plain text). */
    protected void skip(String reason) {
        skipped.merge(reason, 1, Integer::sum);
    }

    /** Counts {@code count} items left out before featurisation (e.g. while reading a corpus), under {@code reason}. */
    void skip(String reason, long count) {
        if (count > 0) {
            skipped.merge(reason, (int) Math.min(Integer.MAX_VALUE, count), Integer::sum);
        }
    }

    @Override
    public Batch batch(int[] indices) {
        List<TokenizedText> group = new ArrayList<>(indices.length);
        for (int i : indices) {
            group.add(texts.get(i));
        }
        int time = group.stream().mapToInt(TokenizedText::length).max().orElse(0);
        Batch b = Batches.standard(group, tokenizer.padId());
        addTokenInputs(b, indices, time);
        addInputs(b, indices, time);
        return b;
    }

    private void addTokenInputs(Batch b, int[] indices, int time) {
        if (tokenInputs.isEmpty()) {
            return;
        }
        List<List<TokenInput>> group = new ArrayList<>(indices.length);
        for (int i : indices) {
            group.add(tokenInputs.get(i));
        }
        Batches.addTokenInputs(b, group, time);
    }

    /**
     * The head this data trains (or, for a probe, is answered by): its label set, arc scorer or the
     * frozen masked-LM head.
     *
     * @param dropout dropout before the classifier
     * @param hiddenSize the width of the vectors the head reads
     */
    public abstract TaskHead head(float dropout, int hiddenSize);

    /** The labels a classifier over this data tells apart, or null when the head does not classify labels. */
    public List<String> classLabels() {
        return null;
    }

    /** Runs {@code model} over every example (through {@code source}) and scores it: metrics, per-item outcomes, prediction files. */
    @Override
    public abstract dev.infuse.spi.Task.Evaluation evaluate(ComposedModel model, TrainingData source);

    /** Adds the task's inputs (labels, positions) for the examples {@code indices} padded to {@code time}. */
    protected abstract void addInputs(Batch batch, int[] indices, int time);

    /**
     * Runs {@code output} over every example, batch by batch in length order, and hands each batch's
     * indices and result to {@code consumer}. A pass that lasts longer than ten seconds (a large
     * development set through the whole backbone) shows a progress bar from then on.
     *
     * @param source this dataset, or a wrapper over it (e.g. with cached activations)
     */
    public void forEachBatch(ComposedModel model, TrainingData source, Operand<?> output, int batchSize,
            BiConsumer<int[], Tensor> consumer) {
        int[] lengths = new int[size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = length(i);
        }
        try (LateProgress progress = new LateProgress("evaluating", lengths.length, LateProgress.AFTER_NANOS, System::nanoTime)) {
            for (int[] idx : Batches.bucketed(lengths, batchSize, 0, null)) {
                try (Batch b = source.batch(idx); Result r = model.run(b, List.of(output))) {
                    consumer.accept(idx, r.get(0));
                }
                progress.advance(idx.length);
            }
        }
    }

    /** Cuts a tokenised text to {@code max} tokens, keeping a final {@code [SEP]}. */
    static TokenizedText truncate(TokenizedText t, int max, int sepId) {
        if (t.length() <= max) {
            return t;
        }
        int[] ids = java.util.Arrays.copyOf(t.ids(), max);
        int[] types = java.util.Arrays.copyOf(t.typeIds(), max);
        String[] tokens = java.util.Arrays.copyOf(t.tokens(), max);
        int[] start = java.util.Arrays.copyOf(t.charStart(), max);
        int[] end = java.util.Arrays.copyOf(t.charEnd(), max);
        ids[max - 1] = sepId;
        tokens[max - 1] = "[SEP]";
        start[max - 1] = 0;
        end[max - 1] = 0;
        return new TokenizedText(ids, types, tokens, start, end);
    }
}
