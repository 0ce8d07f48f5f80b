package dev.infuse.tasks;

import dev.infuse.spi.Task;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.data.EntityTypingExample;
import dev.infuse.data.Metrics;
import dev.infuse.data.Prf;
import dev.infuse.data.Span;
import dev.infuse.heads.EntityTypingHead;
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
 * Entity typing as K-Adapter does it on Open Entity: the mention wrapped in {@code @ … @} (or the
 * map-tuning authors' {@code $ … $}, see {@link RelationClassification.Markers#mention()}), the head
 * reading the first marker, one sigmoid per type, scored by micro precision/recall/F1 over
 * (example, type) pairs.
 */
public final class EntityTyping extends TaskDataset {
    private final List<String> types;
    private final List<List<String>> gold = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final List<Integer> markers = new ArrayList<>();

    private EntityTyping(Tokenizer tokenizer, List<KnowledgeAdapter> adapters, List<String> types) {
        super(tokenizer, adapters);
        this.types = List.copyOf(types);
    }

    /**
     * @param types the label set (e.g. Open Entity's 9 general types)
     */
    public static EntityTyping of(List<EntityTypingExample> examples, Tokenizer tokenizer, List<String> types, int maxLength) {
        return of(examples, tokenizer, List.of(), types, maxLength);
    }

    /** As {@link #of(List, Tokenizer, List, int)}, with the adapters' text-side hooks applied. */
    public static EntityTyping of(List<EntityTypingExample> examples, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            List<String> types, int maxLength) {
        return of(examples, tokenizer, adapters, types, maxLength, RelationClassification.Markers.INFUSE);
    }

    /** As above, with the mention wrapped in {@code markers.mention()}. */
    public static EntityTyping of(List<EntityTypingExample> examples, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            List<String> types, int maxLength, RelationClassification.Markers markers) {
        EntityTyping d = new EntityTyping(tokenizer, adapters, types);
        for (EntityTypingExample e : examples) {
            MarkedText m = MarkedText.ofTokens(e.tokens(), new Span[] {e.mention()}, new String[] {markers.mention()},
                    null, adapters);
            Encoded enc = d.encode(m, maxLength);
            TokenizedText t = enc.text();
            int[] span = t.tokenSpan(m.markerOffsets[0], m.markerOffsets[0] + 1);
            if (span == null) {
                d.skip("marker-truncated");
                continue;
            }
            d.keep(t, enc.inputs());
            d.gold.add(List.copyOf(e.labels()));
            d.ids.add(e.id());
            d.markers.add(span[0]);
        }
        return d;
    }

    public List<String> types() {
        return types;
    }

    public List<String> ids() {
        return ids;
    }

    public List<String> gold(int i) {
        return gold.get(i);
    }

    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head(dropout);
    }

    public TaskHead head(float dropout) {
        return new EntityTypingHead(types.size(), dropout);
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int[] pos = new int[indices.length];
        float[] y = new float[indices.length * types.size()];
        for (int k = 0; k < indices.length; k++) {
            pos[k] = k * time + markers.get(indices[k]);
            for (String label : gold.get(indices[k])) {
                int j = types.indexOf(label);
                if (j >= 0) {
                    y[k * types.size() + j] = 1f;
                }
            }
        }
        batch.put("marker_positions", Batches.ints(pos, indices.length));
        batch.put("type_labels", Batches.floats(y, indices.length, types.size()));
    }

    /** Predicted type sets (probability above 0.5), in dataset order. */
    public List<List<String>> predict(ComposedModel model, TrainingData source) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        List<List<String>> out = new ArrayList<>(java.util.Collections.nCopies(size(), List.<String>of()));
        forEachBatch(model, source, probabilities, 64, (idx, tensor) -> {
            TFloat32 p = (TFloat32) tensor;
            for (int k = 0; k < idx.length; k++) {
                List<String> predicted = new ArrayList<>();
                for (int j = 0; j < types.size(); j++) {
                    if (p.getFloat(k, j) > 0.5f) {
                        predicted.add(types.get(j));
                    }
                }
                out.set(idx[k], predicted);
            }
        });
        return out;
    }

    /** Micro precision, recall and F1 (primary metric {@code f1}). */
    public Map<String, Double> score(List<List<String>> predicted) {
        Prf s = Metrics.multiLabelMicro(gold, predicted);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("f1", s.f1());
        m.put("precision", s.precision());
        m.put("recall", s.recall());
        return m;
    }

    public Evaluator evaluator(TrainingData source) {
        return Evaluator.of("f1", model -> score(predict(model, source)));
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        List<List<String>> predicted = predict(model, source);
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            java.util.Set<String> g = new java.util.HashSet<>(gold(i));
            java.util.Set<String> p = new java.util.HashSet<>(predicted.get(i));
            long tp = p.stream().filter(g::contains).count();
            outcomes.add(new ItemOutcome(ids().get(i), Map.of("tp", (double) tp, "pred", (double) p.size(), "gold",
                    (double) g.size()), predicted.get(i), gold(i)));
        }
        return Scored.of(score(predicted), outcomes);
    }
}
