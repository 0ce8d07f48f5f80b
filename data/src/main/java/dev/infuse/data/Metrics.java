package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The official metrics of the benchmark tasks, in plain Java. Scores are fractions in
 * {@code [0, 1]}. Mismatched inputs (different lengths, unknown ids) throw
 * {@code InfuseException("data-mismatch", ...)}.
 */
public final class Metrics {
    private Metrics() {}

    /**
     * SemEval-2010 Task 8 official score, as {@code semeval2010_task8_scorer-v1.2.pl} computes
     * "(9+1)-way evaluation with directionality taken into account":
     *
     * <ul>
     *   <li>labels are reduced to their relation type; a prediction is correct only if the full
     *       directed label equals the gold one;
     *   <li>a prediction of the right type but wrong direction counts as a wrong prediction for that
     *       type (it adds to the precision denominator of the gold type, never to the numerator);
     *   <li>for each type {@code T} present in the gold key: {@code P = correct / (predicted as T with
     *       a different gold type or the same full label + wrong-direction predictions of T)}, 0 when
     *       nothing but wrong directions was predicted as T; {@code R = correct / gold T};
     *   <li>the score is the mean F1 over the types present in the gold key, {@code Other} excluded
     *       (so 9 types on any full split).
     * </ul>
     *
     * Gold ids absent from {@code predicted} are skipped examples: they count for recall only, as in
     * the scorer. A predicted id absent from {@code gold} is an error, as in the scorer.
     *
     * @param gold id to gold label (labels from {@link SemEval2010#LABELS})
     * @param predicted id to predicted label
     */
    public static SemEvalScore semEval2010(Map<String, String> gold, Map<String, String> predicted) {
        Map<String, Long> correct = new HashMap<>();
        Map<String, Long> proposed = new HashMap<>(); // by predicted type, wrong directions excluded
        Map<String, Long> wrongDir = new HashMap<>(); // by (shared) type
        Map<String, Long> goldCount = new TreeMap<>();
        for (Map.Entry<String, String> e : gold.entrySet()) {
            checkLabel(e.getValue(), "gold", e.getKey());
            goldCount.merge(SemEval2010.relationType(e.getValue()), 1L, Long::sum);
        }
        for (Map.Entry<String, String> e : predicted.entrySet()) {
            String g = gold.get(e.getKey());
            if (g == null) {
                throw new InfuseException("data-mismatch", "predicted id " + e.getKey()
                        + " is not in the gold key; expected predictions only for gold ids");
            }
            String p = e.getValue();
            checkLabel(p, "predicted", e.getKey());
            String pt = SemEval2010.relationType(p);
            String gt = SemEval2010.relationType(g);
            if (p.equals(g)) {
                correct.merge(gt, 1L, Long::sum);
                proposed.merge(pt, 1L, Long::sum);
            } else if (pt.equals(gt)) {
                wrongDir.merge(gt, 1L, Long::sum);
            } else {
                proposed.merge(pt, 1L, Long::sum);
            }
        }
        Map<String, Prf> perType = new TreeMap<>();
        double sumP = 0;
        double sumR = 0;
        double sumF = 0;
        int types = 0;
        for (Map.Entry<String, Long> e : goldCount.entrySet()) {
            String t = e.getKey();
            long c = correct.getOrDefault(t, 0L);
            long prop = proposed.getOrDefault(t, 0L);
            double p = prop == 0 ? 0 : (double) c / (prop + wrongDir.getOrDefault(t, 0L));
            double r = (double) c / e.getValue();
            Prf prf = Prf.of(p, r);
            perType.put(t, prf);
            if (!t.equals(SemEval2010.OTHER)) {
                sumP += prf.precision();
                sumR += prf.recall();
                sumF += prf.f1();
                types++;
            }
        }
        if (types == 0) {
            throw new InfuseException("data-mismatch", "the gold key holds no relation other than Other; "
                    + "expected at least one of the 9 relation types");
        }
        return new SemEvalScore(sumF / types, sumP / types, sumR / types, perType);
    }

    private static void checkLabel(String label, String which, String id) {
        if (!SemEval2010.isLabel(label)) {
            throw new InfuseException("data-mismatch", which + " label '" + label + "' of id " + id
                    + " is unknown; expected one of the 19 SemEval-2010 Task 8 labels");
        }
    }

    /**
     * TACRED micro-averaged P/R/F1 with {@link Tacred#NO_RELATION} as the negative label, as the
     * official {@code scorer.py}: precision over predictions other than the negative label, recall
     * over gold labels other than it. As in that scorer, precision is 1 when nothing positive was
     * predicted.
     */
    public static Prf tacredMicro(List<String> gold, List<String> predicted) {
        return microExcluding(gold, predicted, Tacred.NO_RELATION);
    }

    /** {@link #tacredMicro} with another negative label. */
    public static Prf microExcluding(List<String> gold, List<String> predicted, String negative) {
        sameSize(gold, predicted);
        long correct = 0;
        long guessed = 0;
        long golds = 0;
        for (int i = 0; i < gold.size(); i++) {
            String g = gold.get(i);
            String p = predicted.get(i);
            if (!p.equals(negative)) {
                guessed++;
                if (p.equals(g)) {
                    correct++;
                }
            }
            if (!g.equals(negative)) {
                golds++;
            }
        }
        double precision = guessed == 0 ? 1.0 : (double) correct / guessed;
        double recall = golds == 0 ? 0.0 : (double) correct / golds;
        return Prf.of(precision, recall);
    }

    /**
     * Micro P/R/F1 for multi-label classification over all (example, label) pairs, as K-Adapter
     * reports for Open Entity: correct = size of gold ∩ predicted summed over examples; precision =
     * correct / predicted pairs (0 if none), recall = correct / gold pairs (0 if none).
     */
    public static Prf multiLabelMicro(List<? extends Collection<String>> gold,
            List<? extends Collection<String>> predicted) {
        sameSize(gold, predicted);
        long correct = 0;
        long guessed = 0;
        long golds = 0;
        for (int i = 0; i < gold.size(); i++) {
            Set<String> g = new HashSet<>(gold.get(i));
            Set<String> p = new HashSet<>(predicted.get(i));
            golds += g.size();
            guessed += p.size();
            for (String l : p) {
                if (g.contains(l)) {
                    correct++;
                }
            }
        }
        return Prf.ofCounts(correct, guessed, golds);
    }

    /**
     * Unlabelled attachment score: the fraction of words whose predicted head equals the gold head.
     * Punctuation counts unless {@code excludePunctuation}, which drops words whose gold relation is
     * {@code punct} (UD's punctuation relation, subtypes included).
     *
     * @param predicted per sentence, per word, the predicted head (1-based word id, 0 = root)
     */
    public static double uas(List<DependencySentence> gold, List<int[]> predicted, boolean excludePunctuation) {
        sameSize(gold, predicted);
        long total = 0;
        long correct = 0;
        for (int s = 0; s < gold.size(); s++) {
            DependencySentence g = gold.get(s);
            int[] p = predicted.get(s);
            if (p.length != g.size()) {
                throw new InfuseException("data-mismatch", "sentence " + (s + 1) + " has " + g.size()
                        + " words but " + p.length + " predicted heads; expected one head per word");
            }
            for (int i = 0; i < p.length; i++) {
                String rel = g.relations().get(i);
                if (excludePunctuation && (rel.equals("punct") || rel.startsWith("punct:"))) {
                    continue;
                }
                total++;
                if (p[i] == g.head(i)) {
                    correct++;
                }
            }
        }
        if (total == 0) {
            throw new InfuseException("data-mismatch", "no words to score; expected at least one scored word");
        }
        return (double) correct / total;
    }

    /**
     * Precision@1 of a probe: fact {@code i} of relation {@code relations[i]} is correct when
     * {@code top1[i]} equals {@code gold[i]} exactly (normalise case beforehand for uncased models).
     */
    public static ProbeScore precisionAtOne(List<String> relations, List<String> gold, List<String> top1) {
        sameSize(relations, gold);
        sameSize(gold, top1);
        if (gold.isEmpty()) {
            throw new InfuseException("data-mismatch", "no facts to score; expected at least one");
        }
        Map<String, long[]> counts = new TreeMap<>();
        long correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            long[] c = counts.computeIfAbsent(relations.get(i), k -> new long[2]);
            c[1]++;
            if (gold.get(i).equals(top1.get(i))) {
                c[0]++;
                correct++;
            }
        }
        Map<String, Double> per = new TreeMap<>();
        double sum = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            double v = (double) e.getValue()[0] / e.getValue()[1];
            per.put(e.getKey(), v);
            sum += v;
        }
        return new ProbeScore(per, sum / per.size(), (double) correct / gold.size());
    }

    /** Fraction of positions where prediction equals gold. */
    public static <T> double accuracy(List<T> gold, List<T> predicted) {
        sameSize(gold, predicted);
        if (gold.isEmpty()) {
            throw new InfuseException("data-mismatch", "no examples to score; expected at least one");
        }
        long c = 0;
        for (int i = 0; i < gold.size(); i++) {
            if (gold.get(i).equals(predicted.get(i))) {
                c++;
            }
        }
        return (double) c / gold.size();
    }

    /**
     * Per-label P/R/F1 of single-label classification for every label occurring in gold or
     * predictions, in first-seen order (gold first).
     */
    public static <T> Map<T, Prf> perLabel(List<T> gold, List<T> predicted) {
        sameSize(gold, predicted);
        Set<T> labels = new LinkedHashSet<>(gold);
        labels.addAll(predicted);
        Map<T, long[]> c = new HashMap<>(); // correct, predicted, gold
        for (T l : labels) {
            c.put(l, new long[3]);
        }
        for (int i = 0; i < gold.size(); i++) {
            T g = gold.get(i);
            T p = predicted.get(i);
            c.get(p)[1]++;
            c.get(g)[2]++;
            if (g.equals(p)) {
                c.get(g)[0]++;
            }
        }
        Map<T, Prf> out = new java.util.LinkedHashMap<>();
        for (T l : labels) {
            long[] v = c.get(l);
            out.put(l, Prf.ofCounts(v[0], v[1], v[2]));
        }
        return out;
    }

    /**
     * Macro F1: the mean per-label F1 over all labels occurring in gold or predictions (a label
     * never predicted has F1 0; this matches scikit-learn's default {@code average="macro"}).
     */
    public static <T> double macroF1(List<T> gold, List<T> predicted) {
        if (gold.isEmpty()) {
            throw new InfuseException("data-mismatch", "no examples to score; expected at least one");
        }
        return perLabel(gold, predicted).values().stream().mapToDouble(Prf::f1).average().orElse(0);
    }

    /** Macro F1 over the given labels only (e.g. all labels but a negative one). */
    public static <T> double macroF1(List<T> gold, List<T> predicted, Collection<T> labels) {
        if (labels.isEmpty()) {
            throw new InfuseException("data-mismatch", "no labels to average over; expected at least one");
        }
        Map<T, Prf> per = perLabel(gold, predicted);
        double sum = 0;
        for (T l : labels) {
            Prf p = per.get(l);
            sum += p == null ? 0 : p.f1();
        }
        return sum / labels.size();
    }

    private static void sameSize(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            throw new InfuseException("data-mismatch", a.size() + " gold entries but " + b.size()
                    + " predictions; expected one prediction per gold entry");
        }
    }
}
