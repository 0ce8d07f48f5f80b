package dev.infuse.tasks;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingData;
import dev.infuse.data.Metrics;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
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
 * Single-label classification of a text or a text pair (the pair as BERT's segments A and B), read at
 * {@code [CLS]}. Texts longer than the length limit are cut (keeping the final {@code [SEP]}).
 */
public final class SentenceClassification extends TaskDataset {
    /** One example: a text, an optional second text, a label. */
    public record Example(String id, String text, String pair, String label) {}

    private final List<String> labels;
    private final Map<String, Integer> labelIndex = new LinkedHashMap<>();
    private final List<Integer> gold = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final ItemMetric metric;

    private SentenceClassification(Tokenizer tokenizer, List<KnowledgeAdapter> adapters, List<String> labels, ItemMetric metric) {
        super(tokenizer, adapters);
        this.labels = List.copyOf(labels);
        this.metric = metric;
        for (int i = 0; i < labels.size(); i++) {
            labelIndex.put(labels.get(i), i);
        }
    }

    /**
     * @param labels the label set in a fixed order (e.g. from the training split)
     * @param metric {@code accuracy} ({@link ItemMetric.Kind#RATIO}) or macro-F1 ({@link ItemMetric.Kind#MACRO_F1})
     * @throws InfuseException {@code data-format} for a label outside {@code labels}
     */
    public static SentenceClassification of(List<Example> examples, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            List<String> labels, int maxLength, ItemMetric metric) {
        SentenceClassification d = new SentenceClassification(tokenizer, adapters, labels, metric);
        for (Example e : examples) {
            Integer y = d.labelIndex.get(e.label());
            if (y == null) {
                throw new InfuseException("data-format", "example " + e.id() + ": label '" + e.label()
                        + "' is not among the training labels " + labels);
            }
            TokenizedText t = e.pair() == null ? tokenizer.encode(e.text()) : tokenizer.encodePair(e.text(), e.pair());
            t = truncate(t, maxLength, tokenizer.sepId());
            List<TokenInput> inputs = new ArrayList<>();
            for (KnowledgeAdapter a : adapters) {
                inputs.addAll(a.tokenInputs(t, List.of()));
            }
            d.keep(t, inputs);
            d.gold.add(y);
            d.ids.add(e.id());
        }
        return d;
    }

    /** The labels in the order of the given examples' first appearance. */
    public static List<String> labelsOf(List<Example> examples) {
        return examples.stream().map(Example::label).distinct().toList();
    }

    public List<String> labels() {
        return labels;
    }

    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head(dropout);
    }

    @Override
    public List<String> classLabels() {
        return labels;
    }

    public TaskHead head(float dropout) {
        return new SequenceClassificationHead(labels.size(), dropout);
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            y[k] = gold.get(indices[k]);
        }
        batch.put("labels", Batches.ints(y, indices.length));
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        String[] predicted = new String[size()];
        forEachBatch(model, source, probabilities, 64, (idx, tensor) -> {
            TFloat32 p = (TFloat32) tensor;
            for (int k = 0; k < idx.length; k++) {
                int best = 0;
                for (int c = 1; c < labels.size(); c++) {
                    if (p.getFloat(k, c) > p.getFloat(k, best)) {
                        best = c;
                    }
                }
                predicted[idx[k]] = labels.get(best);
            }
        });
        List<String> g = new ArrayList<>(size());
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            String gl = labels.get(gold.get(i));
            g.add(gl);
            Map<String, Double> c = new LinkedHashMap<>();
            if (metric.kind() == ItemMetric.Kind.RATIO) {
                c.put("correct", gl.equals(predicted[i]) ? 1.0 : 0.0);
                c.put("total", 1.0);
            } else {
                c.put("gold:" + gl, 1.0);
                c.put("pred:" + predicted[i], 1.0);
                if (gl.equals(predicted[i])) {
                    c.put("tp:" + gl, 1.0);
                }
            }
            outcomes.add(new ItemOutcome(ids.get(i), c, predicted[i], gl));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", Metrics.accuracy(g, List.of(predicted)));
        m.put("macro_f1", Metrics.macroF1(g, List.of(predicted)));
        m.put(metric.name(), metric.kind() == ItemMetric.Kind.RATIO ? m.get("accuracy") : m.get("macro_f1"));
        return Scored.of(m, outcomes);
    }
}
