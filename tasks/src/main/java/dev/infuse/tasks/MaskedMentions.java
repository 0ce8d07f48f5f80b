package dev.infuse.tasks;

import dev.infuse.spi.Task;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.data.LinkedSentence;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.Span;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.EntityMention;
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
 * Masked mention modelling, map-tuning's general objective: in a sentence with linked entities,
 * every word piece of a mention becomes {@code [MASK]} while the adapters' prefix (map-tuning's
 * {@code [E] /}) stays, and the frozen MLM head must recover the mention. Each sentence gives
 * three variants: both mentions masked, only the head, only the tail. With an input-side adapter,
 * variants whose masked mention it could not link are skipped and counted
 * ({@code masked-mention-unlinked}): they carry no knowledge to learn from. Sentences with a single
 * linked mention ({@link #ofLinked}, e.g. WordNet usage examples) give one variant, the mention
 * masked. Scored by the accuracy of the masked word pieces.
 */
public final class MaskedMentions extends TaskDataset {
    private final List<int[]> positions = new ArrayList<>();
    private final List<int[]> targets = new ArrayList<>();

    private MaskedMentions(Tokenizer tokenizer, List<KnowledgeAdapter> adapters) {
        super(tokenizer, adapters);
    }

    public static MaskedMentions of(List<RelationInstance> instances, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int maxLength) {
        MaskedMentions d = new MaskedMentions(tokenizer, adapters);
        for (RelationInstance r : instances) {
            for (int variant = 0; variant < 3; variant++) {
                boolean maskHead = variant != 2;
                boolean maskTail = variant != 1;
                d.add(r.tokens(), new Span[] {r.head(), r.tail()}, new String[] {r.headId(), r.tailId()},
                        new boolean[] {maskHead, maskTail}, maxLength);
            }
        }
        return d;
    }

    /** One example per sentence: its linked mention masked. */
    public static MaskedMentions ofLinked(List<LinkedSentence> sentences, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int maxLength) {
        MaskedMentions d = new MaskedMentions(tokenizer, adapters);
        for (LinkedSentence s : sentences) {
            d.add(s.tokens(), new Span[] {s.mention()}, new String[] {s.entityId()}, new boolean[] {true}, maxLength);
        }
        return d;
    }

    private void add(List<String> tokens, Span[] spans, String[] entityIds, boolean[] mask, int maxLength) {
        String[] noMarkers = new String[spans.length];
        java.util.Arrays.fill(noMarkers, "");
        MarkedText m = MarkedText.ofTokens(tokens, spans, noMarkers, entityIds, adapters);
        if (MarkedText.injects(adapters)) {
            // Only a masked mention with a pseudo-token before it carries knowledge to learn from.
            for (int k = 0; k < spans.length; k++) {
                if (mask[k] && !m.prefixed[k]) {
                    skip("masked-mention-unlinked");
                    return;
                }
            }
        }
        Encoded enc = encode(m, maxLength);
        TokenizedText t = enc.text();
        List<Integer> pos = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int k = 0; k < spans.length; k++) {
            if (!mask[k]) {
                continue;
            }
            EntityMention placed = m.mentions.get(k);
            int[] span = t.tokenSpan(placed.start(), placed.end());
            if (span == null || span[1] >= t.length()) {
                skip("mention-truncated");
                return;
            }
            for (int i = span[0]; i < span[1]; i++) {
                pos.add(i);
                ids.add(t.ids()[i]);
            }
        }
        int[] masked = t.ids().clone();
        for (int p : pos) {
            masked[p] = tokenizer.maskId();
        }
        keep(new TokenizedText(masked, t.typeIds(), t.tokens(), t.charStart(), t.charEnd()), enc.inputs());
        positions.add(pos.stream().mapToInt(Integer::intValue).toArray());
        targets.add(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head();
    }

    public TaskHead head() {
        return new MaskedLmHead();
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        List<Integer> flat = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < indices.length; k++) {
            int[] p = positions.get(indices[k]);
            int[] y = targets.get(indices[k]);
            for (int j = 0; j < p.length; j++) {
                flat.add(k * time + p[j]);
                labels.add(y[j]);
            }
        }
        batch.put("mlm_positions", Batches.ints(flat.stream().mapToInt(Integer::intValue).toArray(), flat.size()));
        batch.put("mlm_labels", Batches.ints(labels.stream().mapToInt(Integer::intValue).toArray(), labels.size()));
    }

    /** Fraction of masked word pieces predicted exactly (primary metric {@code accuracy}). */
    public Map<String, Double> score(ComposedModel model, TrainingData source) {
        return evaluate(model, source).metrics();
    }

    public Evaluator evaluator(TrainingData source) {
        return Evaluator.of("accuracy", model -> score(model, source));
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        int[][] right = new int[size()][];
        forEachBatch(model, source, logits, 32, (idx, tensor) -> {
            TFloat32 l = (TFloat32) tensor;
            int vocabulary = (int) l.shape().size(1);
            int row = 0;
            for (int i : idx) {
                int[] y = targets.get(i);
                int[] best = new int[y.length];
                for (int j = 0; j < y.length; j++, row++) {
                    int b = 0;
                    for (int v = 1; v < vocabulary; v++) {
                        if (l.getFloat(row, v) > l.getFloat(row, b)) {
                            b = v;
                        }
                    }
                    best[j] = b;
                }
                right[i] = best;
            }
        });
        long correct = 0;
        long total = 0;
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            int[] y = targets.get(i);
            int c = 0;
            for (int j = 0; j < y.length; j++) {
                c += right[i][j] == y[j] ? 1 : 0;
            }
            correct += c;
            total += y.length;
            outcomes.add(new ItemOutcome("m" + (i + 1), Map.of("correct", (double) c, "total", (double) y.length),
                    pieces(right[i]), pieces(y)));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", total == 0 ? 0 : (double) correct / total);
        return Scored.of(m, outcomes);
    }

    private List<String> pieces(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tokenizer.token(id));
        }
        return out;
    }
}
