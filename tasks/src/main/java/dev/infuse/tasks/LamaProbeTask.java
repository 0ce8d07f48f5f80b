package dev.infuse.tasks;

import dev.infuse.spi.Task;
import dev.infuse.api.TrainingData;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.data.Lama;
import dev.infuse.data.LamaFact;
import dev.infuse.data.LamaProbe;
import dev.infuse.data.LamaRelation;
import dev.infuse.data.Span;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.types.TFloat32;

/**
 * A LAMA knowledge probe: each fact's relation template with the subject in place of {@code [X]}
 * and {@code [MASK]} in place of {@code [Y]}, answered by the backbone's frozen MLM head over its
 * whole vocabulary. Objects that are not a single word piece are skipped and counted, as LAMA does.
 * The subject is an entity mention carrying the fact's subject id, so input-side knowledge plugins
 * (map-tuning's {@code [E] /}) apply.
 */
public final class LamaProbeTask extends TaskDataset {
    private final List<String> relations = new ArrayList<>();
    private final List<String> subjects = new ArrayList<>();
    private final List<String> objects = new ArrayList<>();
    private final List<Integer> objectIds = new ArrayList<>();
    private final List<Integer> maskPositions = new ArrayList<>();
    /** Word pieces answers may be (LAMA's common vocabulary), or null for all. */
    private boolean[] allowed;

    /** Asks a fact of a corpus without templates (ConceptNet, SQuAD) as its first masked sentence. */
    private boolean addSentence(LamaRelation r, LamaFact f, int objectId) {
        if (f.maskedSentences().isEmpty() || !f.maskedSentences().get(0).contains("[MASK]")) {
            skip("no-masked-sentence");
            return false;
        }
        List<String> words = new ArrayList<>();
        addWords(words, f.maskedSentences().get(0).replace("[MASK]", " " + tokenizer.token(tokenizer.maskId()) + " "));
        MarkedText m = MarkedText.ofTokens(words, new Span[0], new String[0], new String[0], adapters);
        Encoded enc = encode(m, 128);
        TokenizedText t = enc.text();
        int mask = -1;
        int masks = 0;
        for (int i = 0; i < t.length(); i++) {
            if (t.ids()[i] == tokenizer.maskId()) {
                mask = i;
                masks++;
            }
        }
        if (masks != 1) {
            skip(masks == 0 ? "mask-truncated" : "several-masks");
            return false;
        }
        keep(t, enc.inputs());
        relations.add(r.relation());
        subjects.add(f.subjectLabel());
        objects.add(tokenizer.token(objectId));
        objectIds.add(objectId);
        maskPositions.add(mask);
        return true;
    }

    /** A probe with no queries (the training split of a probe task, which trains nothing). */
    public static LamaProbeTask empty(Tokenizer tokenizer) {
        return new LamaProbeTask(tokenizer, List.of());
    }

    private LamaProbeTask(Tokenizer tokenizer, List<KnowledgeAdapter> adapters) {
        super(tokenizer, adapters);
    }

    /**
     * Reads a folder in the LAMA layout ({@code relations.jsonl} plus per-relation fact files).
     *
     * @param maxFactsPerRelation cap per relation (0 = all), taking the first facts in file order
     */
    public static LamaProbeTask of(Path folder, Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxFactsPerRelation) {
        return of(Lama.read(folder), folder.toString(), tokenizer, adapters, maxFactsPerRelation);
    }

    /**
     * A probe already in memory, e.g. {@code WordNetLexicon.hypernymProbe()}.
     *
     * @param maxFactsPerRelation cap per relation (0 = all), taking the first facts in order
     */
    public static LamaProbeTask of(LamaProbe probe, Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxFactsPerRelation) {
        return of(probe, probe.factsFolder() == null ? "probe" : probe.factsFolder().toString(), tokenizer, adapters,
                maxFactsPerRelation);
    }

    private static LamaProbeTask of(LamaProbe probe, String source, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int maxFactsPerRelation) {
        return of(probe, source, tokenizer, adapters, maxFactsPerRelation, null);
    }

    /**
     * A probe restricted to LAMA's common vocabulary: facts whose object is not in {@code vocabulary}
     * are skipped ({@code object-not-in-vocabulary}), and answers are ranked among the vocabulary's
     * word pieces only, as LAMA does with its common-vocabulary file.
     *
     * @param vocabulary word pieces, or null for the whole vocabulary
     */
    public static LamaProbeTask of(LamaProbe probe, String source, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int maxFactsPerRelation, java.util.Set<String> vocabulary) {
        LamaProbeTask d = new LamaProbeTask(tokenizer, adapters);
        if (vocabulary != null) {
            d.allowed = new boolean[tokenizer.vocabularySize()];
            for (String v : vocabulary) {
                int id = tokenizer.tokenId(v);
                if (id >= 0 && id != tokenizer.unknownId()) {
                    d.allowed[id] = true;
                }
            }
        }
        for (int i = 0; i < probe.missingRelations().size(); i++) {
            d.skip("relation-file-missing");
        }
        for (LamaRelation r : probe.relations()) {
            int taken = 0;
            for (LamaFact f : r.facts()) {
                if (maxFactsPerRelation > 0 && taken >= maxFactsPerRelation) {
                    break;
                }
                if (d.add(r, f)) {
                    taken++;
                }
            }
        }
        if (d.size() == 0) {
            throw new InfuseException("data-empty", source + ": no LAMA fact with a single-word-piece object");
        }
        return d;
    }

    private boolean add(LamaRelation r, LamaFact f) {
        // Single-token objects only: [CLS] object [SEP].
        TokenizedText objectTokens = tokenizer.encode(f.objectLabel());
        if (objectTokens.length() != 3 || objectTokens.ids()[1] == tokenizer.unknownId()) {
            skip("multi-token-object");
            return false;
        }
        if (allowed != null && !allowed[objectTokens.ids()[1]]) {
            skip("object-not-in-vocabulary");
            return false;
        }
        if (r.template() == null) {
            return addSentence(r, f, objectTokens.ids()[1]);
        }
        String template = r.template();
        int x = template.indexOf("[X]");
        int y = template.indexOf("[Y]");
        if (x < 0 || y < 0) {
            throw new InfuseException("data-format", "relation " + r.relation() + ": template '" + template
                    + "' lacks [X] or [Y]");
        }
        // Word-level tokens so that MarkedText can place the adapters' prefix before the subject.
        String before = template.substring(0, x);
        String after = template.substring(x + 3).replace("[Y]", tokenizer.token(tokenizer.maskId()));
        List<String> words = new ArrayList<>();
        addWords(words, before);
        int start = words.size();
        addWords(words, f.subjectLabel());
        int end = words.size();
        addWords(words, after);
        if (end == start) {
            skip("empty-subject");
            return false;
        }
        MarkedText m = MarkedText.ofTokens(words, new Span[] {new Span(start, end)}, new String[] {""},
                new String[] {f.subjectUri()}, adapters);
        Encoded enc = encode(m, 128);
        TokenizedText t = enc.text();
        int mask = -1;
        for (int i = 0; i < t.length(); i++) {
            if (t.ids()[i] == tokenizer.maskId()) {
                mask = i;
            }
        }
        if (mask < 0) {
            skip("mask-truncated");
            return false;
        }
        keep(t, enc.inputs());
        relations.add(r.relation());
        subjects.add(f.subjectLabel());
        objects.add(tokenizer.token(objectTokens.ids()[1]));
        objectIds.add(objectTokens.ids()[1]);
        maskPositions.add(mask);
        return true;
    }

    private static void addWords(List<String> words, String text) {
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
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
        int[] pos = new int[indices.length];
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            pos[k] = k * time + maskPositions.get(indices[k]);
            y[k] = objectIds.get(indices[k]);
        }
        batch.put("mlm_positions", Batches.ints(pos, indices.length));
        batch.put("mlm_labels", Batches.ints(y, indices.length));
    }

    /** One answered query. */
    public record Prediction(String relation, String subject, String object, List<String> top, List<Double> probabilities) {}

    /** The top-{@code k} answers of every query, in dataset order. */
    public List<Prediction> predict(ComposedModel model, int k) {
        var probabilities = model.headOutputs().orElseThrow().outputs().get("probabilities");
        Prediction[] out = new Prediction[size()];
        forEachBatch(model, this, probabilities, 64, (idx, tensor) -> {
            TFloat32 p = (TFloat32) tensor;
            int vocabulary = (int) p.shape().size(1);
            for (int r = 0; r < idx.length; r++) {
                int[] best = new int[k];
                float[] bestP = new float[k];
                java.util.Arrays.fill(bestP, -1f);
                for (int v = 0; v < vocabulary; v++) {
                    if (allowed != null && (v >= allowed.length || !allowed[v])) {
                        continue;
                    }
                    float x = p.getFloat(r, v);
                    if (x > bestP[k - 1]) {
                        int j = k - 1;
                        while (j > 0 && bestP[j - 1] < x) {
                            bestP[j] = bestP[j - 1];
                            best[j] = best[j - 1];
                            j--;
                        }
                        bestP[j] = x;
                        best[j] = v;
                    }
                }
                List<String> top = new ArrayList<>();
                List<Double> probs = new ArrayList<>();
                for (int j = 0; j < k && bestP[j] >= 0; j++) {
                    top.add(tokenizer.token(best[j]));
                    probs.add((double) bestP[j]);
                }
                int i = idx[r];
                out[i] = new Prediction(relations.get(i), subjects.get(i), objects.get(i), top, probs);
            }
        });
        return List.of(out);
    }

    /** Per-query outcomes of {@link #score}'s P@1: counts {@code correct:<relation>}, {@code total:<relation>}. */
    public static List<ItemOutcome> outcomes(List<Prediction> predictions) {
        List<ItemOutcome> outcomes = new ArrayList<>(predictions.size());
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            outcomes.add(new ItemOutcome(p.relation() + "/" + (i + 1) + "/" + p.subject(), Map.of("correct:" + p.relation(),
                    hit(p) ? 1.0 : 0.0, "total:" + p.relation(), 1.0), p.top().isEmpty() ? null : p.top().get(0), p.object()));
        }
        return outcomes;
    }

    private static boolean hit(Prediction p) {
        return !p.top().isEmpty() && p.top().get(0).toLowerCase(Locale.ROOT).equals(p.object().toLowerCase(Locale.ROOT));
    }

    /** P@1 per relation, their mean (macro) and over all facts (micro). */
    public Map<String, Double> score(List<Prediction> predictions) {
        Map<String, int[]> per = new TreeMap<>();
        int hits = 0;
        for (Prediction p : predictions) {
            boolean hit = hit(p);
            int[] c = per.computeIfAbsent(p.relation(), r -> new int[2]);
            c[0] += hit ? 1 : 0;
            c[1]++;
            hits += hit ? 1 : 0;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double macro = per.values().stream().mapToDouble(c -> (double) c[0] / c[1]).average().orElse(0);
        m.put("p_at_1", macro);
        m.put("p_at_1_micro", predictions.isEmpty() ? 0 : (double) hits / predictions.size());
        m.put("relations", (double) per.size());
        m.put("facts", (double) predictions.size());
        per.forEach((r, c) -> m.put("p_at_1/" + r, (double) c[0] / c[1]));
        return m;
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        List<Prediction> predictions = predict(model, 10);
        return new Scored(score(predictions), outcomes(predictions), (folder, prefix) -> {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Prediction p : predictions) {
                List<Map<String, Object>> top = new ArrayList<>();
                for (int i = 0; i < p.top().size(); i++) {
                    top.add(Map.of("token", p.top().get(i), "probability", p.probabilities().get(i)));
                }
                rows.add(Map.of("relation", p.relation(), "subject", p.subject(), "object", p.object(), "top", top));
            }
            OutputFiles.writeJsonLines(folder.resolve(prefix + "predictions.jsonl"), rows);
        });
    }
}
