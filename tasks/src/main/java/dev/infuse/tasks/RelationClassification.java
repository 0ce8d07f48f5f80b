package dev.infuse.tasks;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.data.Metrics;
import dev.infuse.data.Prf;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.SemEval2010;
import dev.infuse.data.SemEvalExample;
import dev.infuse.data.SemEvalScore;
import dev.infuse.data.Span;
import dev.infuse.data.Tacred;
import dev.infuse.heads.EntityPairClassificationHead;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.spi.Task;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.types.TFloat32;

/**
 * Relation classification with K-Adapter's entity markers: the subject wrapped in {@code @ … @},
 * the object in {@code # … #} (or another {@link Markers} pair); the head reads the two start markers. The same featurisation serves
 * the factual adapter's pretraining (FewRel, T-REx-style) and the downstream tasks (SemEval-2010
 * Task 8, with {@code e1} as {@code @} and {@code e2} as {@code #}; TACRED).
 *
 * <p>Texts longer than the length limit are cut; an example whose start marker is cut off is skipped
 * and counted in {@link #skipped()} ({@code marker-truncated}).
 */
public final class RelationClassification extends TaskDataset {
    /** How predictions are scored. */
    public enum Scoring {
        /** Accuracy and macro-F1 over all labels (FewRel, T-REx-style). */
        ACCURACY,
        /** SemEval-2010 Task 8 official: macro-F1 over the 9 types with direction, {@code Other} excluded. */
        SEMEVAL,
        /** TACRED: micro-F1 without {@code no_relation}. */
        TACRED
    }

    /**
     * The entity markers: Infuse's (K-Adapter's) {@code @ … @} around the subject and
     * {@code # … #} around the object, or the map-tuning authors' {@code # … #} (head) and
     * {@code $ … $} (tail). A task that marks one mention (entity typing) uses {@link #mention()}:
     * K-Adapter's {@code @ … @}, or the authors' {@code $ … $}.
     */
    public enum Markers {
        /** {@code @ subject @}, {@code # object #}; one mention {@code @ mention @} (the default). */
        INFUSE("@", "#", "@"),
        /** {@code # head #}, {@code $ tail $}; one mention {@code $ mention $}, as the map-tuning authors mark entities. */
        AUTHORS("#", "$", "$");

        private final String subject;
        private final String object;
        private final String mention;

        Markers(String subject, String object, String mention) {
            this.subject = subject;
            this.object = object;
            this.mention = mention;
        }

        /** The marker around the only mention of a single-mention task (entity typing). */
        public String mention() {
            return mention;
        }

        public String subject() {
            return subject;
        }

        public String object() {
            return object;
        }

        /** The option value's name: {@code infuse} or {@code authors}. */
        public String optionName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * Parses an option value; null means the default.
         *
         * @throws InfuseException {@code config-bad-value} for anything but {@code infuse} or {@code authors}
         */
        public static Markers parse(String value) {
            if (value == null) {
                return INFUSE;
            }
            for (Markers m : values()) {
                if (m.optionName().equals(value.trim().toLowerCase(java.util.Locale.ROOT))) {
                    return m;
                }
            }
            throw new InfuseException("config-bad-value", "markers '" + value + "': expected infuse (@ subject @, # object #) "
                    + "or authors (# head #, $ tail $)");
        }
    }

    private final List<String> labels;
    private final Map<String, Integer> labelIndex = new LinkedHashMap<>();
    private final List<Integer> gold = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final List<int[]> markers = new ArrayList<>();
    private Scoring scoring = Scoring.ACCURACY;

    private RelationClassification(Tokenizer tokenizer, List<KnowledgeAdapter> adapters, List<String> labels) {
        super(tokenizer, adapters);
        this.labels = List.copyOf(labels);
        for (int i = 0; i < labels.size(); i++) {
            labelIndex.put(labels.get(i), i);
        }
    }

    /**
     * @param labels the label set in a fixed order (e.g. from the training split)
     * @throws InfuseException {@code data-format} for a relation outside {@code labels}
     */
    public static RelationClassification fromInstances(List<RelationInstance> instances, Tokenizer tokenizer,
            List<String> labels, int maxLength) {
        return fromInstances(instances, tokenizer, List.of(), labels, maxLength);
    }

    /** As {@link #fromInstances(List, Tokenizer, List, int)}, with the adapters' text-side hooks applied. */
    public static RelationClassification fromInstances(List<RelationInstance> instances, Tokenizer tokenizer,
            List<KnowledgeAdapter> adapters, List<String> labels, int maxLength) {
        return fromInstances(instances, tokenizer, adapters, labels, maxLength, Markers.INFUSE);
    }

    /** As {@link #fromInstances(List, Tokenizer, List, List, int)}, with the given marker pair. */
    public static RelationClassification fromInstances(List<RelationInstance> instances, Tokenizer tokenizer,
            List<KnowledgeAdapter> adapters, List<String> labels, int maxLength, Markers markers) {
        RelationClassification d = new RelationClassification(tokenizer, adapters, labels);
        for (RelationInstance r : instances) {
            MarkedText m = MarkedText.ofTokens(r.tokens(), new Span[] {r.head(), r.tail()},
                    new String[] {markers.subject(), markers.object()},
                    new String[] {r.headId(), r.tailId()}, adapters);
            d.add(r.id(), m, r.relation(), maxLength);
        }
        return d;
    }

    /** SemEval-2010 Task 8 examples; labels are the 19 directed labels in the official order. */
    public static RelationClassification fromSemEval(List<SemEvalExample> examples, Tokenizer tokenizer, int maxLength) {
        return fromSemEval(examples, tokenizer, List.of(), maxLength);
    }

    /** As {@link #fromSemEval(List, Tokenizer, int)}, with the adapters' text-side hooks applied. */
    public static RelationClassification fromSemEval(List<SemEvalExample> examples, Tokenizer tokenizer,
            List<KnowledgeAdapter> adapters, int maxLength) {
        return fromSemEval(examples, tokenizer, adapters, maxLength, Markers.INFUSE);
    }

    /** As {@link #fromSemEval(List, Tokenizer, List, int)}, with the given marker pair. */
    public static RelationClassification fromSemEval(List<SemEvalExample> examples, Tokenizer tokenizer,
            List<KnowledgeAdapter> adapters, int maxLength, Markers markers) {
        RelationClassification d = new RelationClassification(tokenizer, adapters, SemEval2010.LABELS);
        for (SemEvalExample e : examples) {
            MarkedText m = MarkedText.ofChars(e.text(), new Span[] {e.e1(), e.e2()},
                    new String[] {markers.subject(), markers.object()}, null,
                    adapters);
            d.add(e.id(), m, e.label(), maxLength);
        }
        return d;
    }

    /** The sorted distinct relations of some instances, for a label set. */
    public static List<String> labelsOf(List<RelationInstance> instances) {
        return instances.stream().map(RelationInstance::relation).distinct().sorted().toList();
    }

    private void add(String id, MarkedText m, String label, int maxLength) {
        Integer y = labelIndex.get(label);
        if (y == null) {
            throw new InfuseException("data-format", "example " + id + ": relation '" + label
                    + "' is not among the " + labels.size() + " labels of this task (" + abbreviate(labels) + ")");
        }
        Encoded enc = encode(m, maxLength);
        TokenizedText t = enc.text();
        int[] pos = new int[2];
        for (int k = 0; k < 2; k++) {
            int[] span = t.tokenSpan(m.markerOffsets[k], m.markerOffsets[k] + 1);
            if (span == null) {
                skip("marker-truncated");
                return;
            }
            pos[k] = span[0];
        }
        keep(t, enc.inputs());
        gold.add(y);
        ids.add(id);
        markers.add(pos);
    }

    private static String abbreviate(List<String> labels) {
        return labels.size() <= 8 ? String.join(", ", labels) : String.join(", ", labels.subList(0, 8)) + ", …";
    }

    public List<String> labels() {
        return labels;
    }

    /** Example ids in dataset order. */
    public List<String> ids() {
        return ids;
    }

    /** The gold label of example {@code i}. */
    public String gold(int i) {
        return labels.get(gold.get(i));
    }

    /** Token positions of the subject and object start markers of example {@code i}. */
    public int[] markerPositions(int i) {
        return markers.get(i).clone();
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
        return new EntityPairClassificationHead(labels.size(), dropout);
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int[] pos = new int[indices.length * 2];
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int[] m = markers.get(indices[k]);
            pos[2 * k] = k * time + m[0];
            pos[2 * k + 1] = k * time + m[1];
            y[k] = gold.get(indices[k]);
        }
        batch.put("marker_positions", Batches.ints(pos, indices.length, 2));
        batch.put("labels", Batches.ints(y, indices.length));
    }

    /** Predicted labels of every example, in dataset order. */
    public List<String> predict(ComposedModel model, TrainingData source) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        String[] out = new String[size()];
        forEachBatch(model, source, probabilities, 64, (idx, tensor) -> {
            TFloat32 p = (TFloat32) tensor;
            int classes = labels.size();
            for (int k = 0; k < idx.length; k++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (p.getFloat(k, c) > p.getFloat(k, best)) {
                        best = c;
                    }
                }
                out[idx[k]] = labels.get(best);
            }
        });
        return List.of(out);
    }

    /** Scores predictions; the primary metric is {@code f1} (macro for ACCURACY/SEMEVAL, micro for TACRED). */
    public Map<String, Double> score(List<String> predicted, Scoring scoring) {
        List<String> goldLabels = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            goldLabels.add(gold(i));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", Metrics.accuracy(goldLabels, predicted));
        switch (scoring) {
            case ACCURACY -> m.put("f1", Metrics.macroF1(goldLabels, predicted));
            case SEMEVAL -> {
                Map<String, String> g = new LinkedHashMap<>();
                Map<String, String> p = new LinkedHashMap<>();
                for (int i = 0; i < size(); i++) {
                    g.put(ids.get(i), goldLabels.get(i));
                    p.put(ids.get(i), predicted.get(i));
                }
                SemEvalScore s = Metrics.semEval2010(g, p);
                m.put("f1", s.macroF1());
                m.put("precision", s.macroPrecision());
                m.put("recall", s.macroRecall());
            }
            case TACRED -> {
                Prf s = Metrics.microExcluding(goldLabels, predicted, Tacred.NO_RELATION);
                m.put("f1", s.f1());
                m.put("precision", s.precision());
                m.put("recall", s.recall());
            }
            default -> throw new AssertionError(scoring);
        }
        return m;
    }

    /** An evaluator over this dataset (read through {@code source}, e.g. a cached wrapper). */
    public Evaluator evaluator(TrainingData source, Scoring scoring) {
        return Evaluator.of("f1", model -> score(predict(model, source), scoring));
    }

    /** Scores this dataset's predictions by {@code scoring} from now on (default {@link Scoring#ACCURACY}); returns this. */
    public RelationClassification scoredBy(Scoring scoring) {
        this.scoring = java.util.Objects.requireNonNull(scoring);
        return this;
    }

    /** The primary metric of a scoring rule as a function of per-item counts. */
    public static ItemMetric metric(Scoring scoring) {
        return switch (scoring) {
            case ACCURACY -> ItemMetric.of("f1", ItemMetric.Kind.MACRO_F1);
            case SEMEVAL -> new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, java.util.Set.of(SemEval2010.OTHER));
            case TACRED -> ItemMetric.of("f1", ItemMetric.Kind.MICRO_F1);
        };
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        List<String> predicted = predict(model, source);
        Map<String, Double> metrics = score(predicted, scoring);
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            outcomes.add(new ItemOutcome(ids.get(i), counts(scoring, gold(i), predicted.get(i)), predicted.get(i), gold(i)));
        }
        if (scoring != Scoring.SEMEVAL) {
            return Scored.of(metrics, outcomes);
        }
        return new Scored(metrics, outcomes, (folder, prefix) -> {
            Map<String, String> answers = new LinkedHashMap<>();
            Map<String, String> key = new LinkedHashMap<>();
            for (int i = 0; i < size(); i++) {
                answers.put(ids.get(i), predicted.get(i));
                key.put(ids.get(i), gold(i));
            }
            SemEval2010.writeAnswers(folder.resolve(prefix + "predictions.txt"), answers);
            SemEval2010.writeAnswers(folder.resolve(prefix + "gold.txt"), key);
        });
    }

    /** What one example adds to the counts of {@link #metric(Scoring)} (the same rules as the score). */
    static Map<String, Double> counts(Scoring scoring, String gold, String predicted) {
        Map<String, Double> c = new LinkedHashMap<>();
        switch (scoring) {
            case ACCURACY -> {
                // Both metrics of this scoring from the same counts: macro-F1 (tp/pred/gold) and accuracy (correct/total).
                c.put("correct", gold.equals(predicted) ? 1.0 : 0.0);
                c.put("total", 1.0);
                c.put("gold:" + gold, 1.0);
                c.put("pred:" + predicted, 1.0);
                if (gold.equals(predicted)) {
                    c.put("tp:" + gold, 1.0);
                }
            }
            case SEMEVAL -> {
                // The official scorer: a right type with the wrong direction counts against the gold type's precision.
                String gt = SemEval2010.relationType(gold);
                String pt = SemEval2010.relationType(predicted);
                c.put("gold:" + gt, 1.0);
                c.merge("pred:" + (pt.equals(gt) ? gt : pt), 1.0, Double::sum);
                if (gold.equals(predicted)) {
                    c.put("tp:" + gt, 1.0);
                }
            }
            case TACRED -> {
                boolean goldPositive = !gold.equals(Tacred.NO_RELATION);
                boolean predictedPositive = !predicted.equals(Tacred.NO_RELATION);
                c.put("tp", goldPositive && gold.equals(predicted) ? 1.0 : 0.0);
                c.put("pred", predictedPositive ? 1.0 : 0.0);
                c.put("gold", goldPositive ? 1.0 : 0.0);
            }
            default -> throw new AssertionError(scoring);
        }
        return c;
    }
}
