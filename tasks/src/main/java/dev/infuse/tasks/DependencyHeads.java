package dev.infuse.tasks;

import dev.infuse.spi.Task;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.data.DependencySentence;
import dev.infuse.data.Metrics;
import dev.infuse.heads.DependencyArcHead;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.types.TFloat32;

/**
 * Dependency-head prediction (K-Adapter's linguistic pretraining task) from gold CoNLL-U trees:
 * words are joined with spaces and tokenised, each word is represented by its first word piece and
 * {@code [CLS]} stands for the root. Scored by UAS (punctuation included) with each word's
 * highest-scoring head (no tree decoding).
 *
 * <p>Sentences longer than the length limit in word pieces are skipped and counted
 * ({@code too-long}); UAS is then over the sentences kept, and the count says how many were not scored.
 */
public final class DependencyHeads extends TaskDataset {
    private final List<DependencySentence> sentences = new ArrayList<>();
    private final List<int[]> firstPiece = new ArrayList<>();
    private final List<Integer> original = new ArrayList<>();
    private int originalCount;
    private java.nio.file.Path conllu;

    private DependencyHeads(Tokenizer tokenizer) {
        super(tokenizer, List.of());
    }

    public static DependencyHeads of(List<DependencySentence> sentences, Tokenizer tokenizer, int maxLength) {
        DependencyHeads d = new DependencyHeads(tokenizer);
        d.originalCount = sentences.size();
        for (int si = 0; si < sentences.size(); si++) {
            DependencySentence s = sentences.get(si);
            StringBuilder text = new StringBuilder();
            int[] starts = new int[s.size()];
            int[] ends = new int[s.size()];
            for (int w = 0; w < s.size(); w++) {
                if (w > 0) {
                    text.append(' ');
                }
                starts[w] = text.length();
                text.append(s.forms().get(w));
                ends[w] = text.length();
            }
            TokenizedText t = tokenizer.encode(text.toString());
            if (t.length() > maxLength) {
                d.skip("too-long");
                continue;
            }
            int[] first = new int[s.size()];
            int previous = 0;
            for (int w = 0; w < s.size(); w++) {
                int[] span = t.tokenSpan(starts[w], ends[w]);
                // A word the tokenizer dropped entirely (control characters) borrows its neighbour's piece.
                first[w] = span == null ? Math.max(1, previous) : span[0];
                previous = first[w];
            }
            d.keep(t, List.of());
            d.sentences.add(s);
            d.firstPiece.add(first);
            d.original.add(si);
        }
        return d;
    }

    /** The sentences kept, in dataset order. */
    public List<DependencySentence> sentences() {
        return sentences;
    }

    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head(hiddenSize, dropout);
    }

    public TaskHead head(int arcSize, float dropout) {
        return new DependencyArcHead(arcSize, dropout);
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int words = 0;
        for (int i : indices) {
            words = Math.max(words, sentences.get(i).size());
        }
        int b = indices.length;
        int[] wordPos = new int[b * words];
        int[] candPos = new int[b * (words + 1)];
        int[] heads = new int[b * words];
        float[] mask = new float[b * words];
        for (int k = 0; k < b; k++) {
            DependencySentence s = sentences.get(indices[k]);
            int[] first = firstPiece.get(indices[k]);
            candPos[k * (words + 1)] = k * time;
            for (int w = 0; w < words; w++) {
                int pos = w < s.size() ? k * time + first[w] : k * time;
                wordPos[k * words + w] = pos;
                candPos[k * (words + 1) + w + 1] = pos;
                if (w < s.size()) {
                    heads[k * words + w] = s.head(w);
                    mask[k * words + w] = 1f;
                }
            }
        }
        batch.put("word_positions", Batches.ints(wordPos, b, words));
        batch.put("candidate_positions", Batches.ints(candPos, b, words + 1));
        batch.put("head_labels", Batches.ints(heads, b, words));
        batch.put("word_mask", Batches.floats(mask, b, words));
    }

    /**
     * Heads of every kept sentence (0 = root, k = word k), in dataset order: {@code trees}, the best
     * projective tree with one root child ({@link Eisner}); {@code argmax}, each word's best head on its
     * own (which may form cycles or several roots).
     */
    public record Predicted(List<int[]> trees, List<int[]> argmax) {}

    /** The decoded trees of every kept sentence (see {@link #predictBoth}). */
    public List<int[]> predict(ComposedModel model, TrainingData source) {
        return predictBoth(model, source).trees();
    }

    /** Trees and argmax heads of every kept sentence. */
    public Predicted predictBoth(ComposedModel model, TrainingData source) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        List<int[]> trees = new ArrayList<>(java.util.Collections.nCopies(size(), (int[]) null));
        List<int[]> argmax = new ArrayList<>(java.util.Collections.nCopies(size(), (int[]) null));
        forEachBatch(model, source, logits, 32, (idx, tensor) -> {
            TFloat32 l = (TFloat32) tensor;
            for (int k = 0; k < idx.length; k++) {
                int n = sentences.get(idx[k]).size();
                int[] heads = new int[n];
                double[][] score = new double[n + 1][n + 1];
                for (int w = 0; w < n; w++) {
                    int best = 0;
                    for (int c = 0; c <= n; c++) {
                        score[c][w + 1] = l.getFloat(k, w, c);
                        if (c != w + 1 && l.getFloat(k, w, c) > l.getFloat(k, w, best)) {
                            best = c;
                        }
                    }
                    heads[w] = best;
                }
                argmax.set(idx[k], heads);
                trees.set(idx[k], Eisner.decode(score));
            }
        });
        return new Predicted(trees, argmax);
    }

    /**
     * Predictions aligned with every input sentence (for writing CoNLL-U): a sentence skipped as too
     * long gets a well-formed placeholder tree (its first word under the root, every other word under
     * the first), so that the file stays valid for the UD evaluation script.
     */
    public List<int[]> alignToInput(List<int[]> predicted, List<DependencySentence> input) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < originalCount; i++) {
            int[] flat = new int[input.get(i).size()];
            java.util.Arrays.fill(flat, 1);
            if (flat.length > 0) {
                flat[0] = 0;
            }
            out.add(flat);
        }
        for (int k = 0; k < predicted.size(); k++) {
            out.set(original.get(k), predicted.get(k));
        }
        return out;
    }

    /** UAS (primary metric {@code uas}) of the given heads. */
    public Map<String, Double> score(List<int[]> predicted) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("uas", Metrics.uas(sentences, predicted, false));
        return m;
    }

    /** UAS of the decoded trees ({@code uas}, primary) and of the argmax heads ({@code uas_argmax}). */
    public Map<String, Double> score(Predicted predicted) {
        Map<String, Double> m = score(predicted.trees());
        m.put("uas_argmax", Metrics.uas(sentences, predicted.argmax(), false));
        return m;
    }

    public Evaluator evaluator(TrainingData source) {
        return Evaluator.of("uas", model -> score(predictBoth(model, source)));
    }

    @Override
    public Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        Predicted both = predictBoth(model, source);
        List<int[]> predicted = both.trees();
        List<ItemOutcome> outcomes = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            DependencySentence g = sentences.get(i);
            int[] p = predicted.get(i);
            int correct = 0;
            for (int w = 0; w < p.length; w++) {
                correct += p[w] == g.head(w) ? 1 : 0;
            }
            outcomes.add(new ItemOutcome("s" + (original.get(i) + 1), Map.of("correct", (double) correct, "total",
                    (double) p.length), java.util.Arrays.stream(p).boxed().toList(), null));
        }
        return new Scored(score(both), outcomes, (folder, prefix) -> {
            if (conllu != null) {
                var input = dev.infuse.data.ConllU.read(conllu).records();
                dev.infuse.data.ConllU.writeWithHeads(conllu, folder.resolve(prefix + "predictions.conllu"),
                        alignToInput(predicted, input));
            }
        });
    }

    /** The CoNLL-U file these sentences were read from, to write predictions in its own format; returns this. */
    public DependencyHeads readFrom(java.nio.file.Path file) {
        this.conllu = file;
        return this;
    }
}
