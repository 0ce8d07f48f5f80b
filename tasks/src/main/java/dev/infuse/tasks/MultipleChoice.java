package dev.infuse.tasks;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingData;
import dev.infuse.data.MultipleChoiceExample;
import dev.infuse.heads.MultipleChoiceHead;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.TokenInput;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.types.TFloat32;

/**
 * Multiple-choice questions (Cosmos QA): every answer is encoded with its context and question as
 * {@code [CLS] context [SEP] question answer [SEP]}, one batch row per answer; an over-long pair loses
 * the end of its context, never the question or the answer. Scored by accuracy.
 */
public final class MultipleChoice extends TaskDataset {
    private final int choices;
    private final List<TokenizedText> rows = new ArrayList<>();
    private final List<List<TokenInput>> rowInputs = new ArrayList<>();
    private final List<Integer> gold = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();

    private MultipleChoice(Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int choices) {
        super(tokenizer, adapters);
        this.choices = choices;
    }

    /**
     * @param choices answers per question (every example must have that many)
     */
    public static MultipleChoice of(List<MultipleChoiceExample> examples, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int choices, int maxLength) {
        MultipleChoice d = new MultipleChoice(tokenizer, adapters, choices);
        for (MultipleChoiceExample e : examples) {
            if (e.choices().size() != choices) {
                d.skip("choice-count");
                continue;
            }
            List<TokenizedText> encoded = new ArrayList<>();
            boolean fits = true;
            for (String answer : e.choices()) {
                TokenizedText t = cutFirstSegment(tokenizer.encodePair(e.context(), e.question() + " " + answer), maxLength,
                        tokenizer.sepId());
                fits &= t.length() <= maxLength;
                encoded.add(t);
            }
            if (!fits) {
                d.skip("question-too-long");
                continue;
            }
            for (TokenizedText t : encoded) {
                List<TokenInput> inputs = new ArrayList<>();
                for (KnowledgeAdapter a : adapters) {
                    inputs.addAll(a.tokenInputs(t, List.of()));
                }
                d.rows.add(t);
                d.rowInputs.add(inputs);
            }
            d.gold.add(e.label());
            d.ids.add(e.id());
        }
        return d;
    }

    /** Removes word pieces from the end of segment A (before the first {@code [SEP]}) until the pair fits. */
    static TokenizedText cutFirstSegment(TokenizedText t, int max, int sepId) {
        int excess = t.length() - max;
        if (excess <= 0) {
            return t;
        }
        int sep = -1;
        for (int i = 1; i < t.length(); i++) {
            if (t.ids()[i] == sepId) {
                sep = i;
                break;
            }
        }
        if (sep - excess < 2) {
            return t; // segment B alone is too long: the caller skips the question
        }
        int n = t.length() - excess;
        int[] ids = new int[n];
        int[] types = new int[n];
        String[] tokens = new String[n];
        int[] start = new int[n];
        int[] end = new int[n];
        int k = 0;
        for (int i = 0; i < t.length(); i++) {
            if (i >= sep - excess && i < sep) {
                continue;
            }
            ids[k] = t.ids()[i];
            types[k] = t.typeIds()[i];
            tokens[k] = t.tokens()[i];
            start[k] = t.charStart()[i];
            end[k] = t.charEnd()[i];
            k++;
        }
        return new TokenizedText(ids, types, tokens, start, end);
    }

    @Override
    public int size() {
        return gold.size();
    }

    /** The longest of the question's rows. */
    @Override
    public int length(int i) {
        int max = 0;
        for (int c = 0; c < choices; c++) {
            max = Math.max(max, rows.get(i * choices + c).length());
        }
        return max;
    }

    /** Every row, question by question, answer by answer. */
    @Override
    public List<TokenizedText> texts() {
        return java.util.Collections.unmodifiableList(rows);
    }

    @Override
    public int rowsPerExample() {
        return choices;
    }

    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head(dropout);
    }

    public TaskHead head(float dropout) {
        return new MultipleChoiceHead(choices, dropout);
    }

    @Override
    public Batch batch(int[] indices) {
        List<TokenizedText> group = new ArrayList<>(indices.length * choices);
        List<List<TokenInput>> inputs = new ArrayList<>(indices.length * choices);
        for (int i : indices) {
            for (int c = 0; c < choices; c++) {
                group.add(rows.get(i * choices + c));
                inputs.add(rowInputs.get(i * choices + c));
            }
        }
        int time = group.stream().mapToInt(TokenizedText::length).max().orElse(0);
        Batch b = Batches.standard(group, tokenizer.padId());
        if (inputs.stream().anyMatch(l -> !l.isEmpty())) {
            Batches.addTokenInputs(b, inputs, time);
        }
        addInputs(b, indices, time);
        return b;
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            y[k] = gold.get(indices[k]);
        }
        batch.put("choice_labels", Batches.ints(y, indices.length));
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        int[] predicted = new int[size()];
        forEachBatch(model, source, probabilities, 8, (idx, tensor) -> {
            TFloat32 p = (TFloat32) tensor;
            for (int k = 0; k < idx.length; k++) {
                int best = 0;
                for (int c = 1; c < choices; c++) {
                    if (p.getFloat(k, c) > p.getFloat(k, best)) {
                        best = c;
                    }
                }
                predicted[idx[k]] = best;
            }
        });
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        int right = 0;
        for (int i = 0; i < size(); i++) {
            boolean ok = predicted[i] == gold.get(i);
            right += ok ? 1 : 0;
            outcomes.add(ItemOutcome.correct(ids.get(i), ok, predicted[i], gold.get(i)));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", size() == 0 ? 0 : (double) right / size());
        return new Scored(m, outcomes, (folder, prefix) -> {
            Scored.writeJsonLines(folder, prefix, outcomes);
            // The leaderboard's format: one predicted label per line, in file order.
            StringBuilder s = new StringBuilder();
            for (int p : predicted) {
                s.append(p).append('\n');
            }
            OutputFiles.writeText(folder.resolve(prefix + "predictions.lst"), s.toString());
        });
    }
}
