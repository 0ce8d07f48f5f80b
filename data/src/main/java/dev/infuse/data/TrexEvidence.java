package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * T-REx-style linked text from a LAMA folder: every evidence sentence of every fact, with the subject
 * and object located and linked to their Wikidata ids, split so that a knowledge plug-in can be
 * trained on some facts and probed on others it never saw.
 *
 * <p><b>Sentences.</b> LAMA's evidences mask the object ({@code masked_sentence} with {@code [MASK]},
 * {@code obj_surface} its text there); the sentence is rebuilt with the object's surface form, split
 * into words (letters and digits, or one other symbol), the object's words are its span and the
 * subject's {@code sub_surface} (else its label) is found as a word sequence; an evidence whose
 * subject is not found, or overlaps the object, is skipped and counted. Identical sentences of one
 * fact are kept once.
 *
 * <p><b>Split.</b> Within each relation, {@code probeFraction} of the facts, grouped by subject (all
 * facts of one subject in a relation go the same way), are <em>probe facts</em>, chosen by
 * {@link Splits#trainDev} with {@code seed}; a relation whose split would leave either side empty
 * (too few facts or subjects) has no probe facts and is counted ({@code relation-too-few-facts}). Probe facts contribute no training sentence, and neither
 * does any sentence whose subject–object pair is a probe fact's pair (in any relation) or whose text is
 * a probe fact's evidence. The knowledge source (a graph) may still hold the probe facts: hygiene
 * applies to a plug-in's training examples, not to its knowledge.
 */
public final class TrexEvidence {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+|[^\\p{L}\\p{N}\\s]");

    private TrexEvidence() {}

    /**
     * The corpus of a LAMA folder's T-REx facts.
     *
     * @param train training sentences (relation classification and linked mentions), de-duplicated
     * @param trainFacts facts whose sentences may train
     * @param probeFacts held-out facts: no sentence of theirs, nor of their subject–object pairs, trains
     * @param report skipped evidences and sentences by reason
     * @param files the files read: {@code relations.jsonl} and the fact files (for provenance and checkpoint identity)
     */
    public record Corpus(List<RelationInstance> train, List<LamaFact> trainFacts, List<LamaFact> probeFacts,
            Map<String, Long> report, List<Path> files) {}

    /** Reads and splits; {@code data-empty} when no usable training sentence is left. */
    public static Corpus read(Path lamaFolder, double probeFraction, long seed) {
        if (!(probeFraction > 0 && probeFraction < 1)) {
            throw new InfuseException("config-bad-value", "probe fraction " + probeFraction + ": expected a fraction in (0, 1)");
        }
        LamaProbe probe = Lama.read(lamaFolder, s -> true);
        Map<String, Long> report = new TreeMap<>();
        List<LamaFact> trainFacts = new ArrayList<>();
        List<LamaFact> probeFacts = new ArrayList<>();
        for (LamaRelation r : probe.relations()) {
            Splits.Split<LamaFact> s = Splits.trainDev(r.facts(), probeFraction, seed,
                    f -> f.subjectUri() == null ? f.subjectLabel() : f.subjectUri());
            if (s.train().isEmpty() || s.dev().isEmpty()) {
                // Too few facts (or subjects) to give both sides one: the relation has no probe facts.
                report.merge("relation-too-few-facts", 1L, Long::sum);
                trainFacts.addAll(r.facts());
                continue;
            }
            trainFacts.addAll(s.train());
            probeFacts.addAll(s.dev());
        }
        Set<String> probePairs = new HashSet<>();
        Set<String> probeTexts = new HashSet<>();
        for (LamaFact f : probeFacts) {
            probePairs.add(pair(f));
            probeTexts.addAll(f.maskedSentences());
        }
        List<RelationInstance> train = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int n = 0;
        for (LamaFact f : trainFacts) {
            if (probePairs.contains(pair(f))) {
                report.merge("probe-pair", (long) f.maskedSentences().size(), Long::sum);
                continue;
            }
            List<String> surfaces = f.subjectSurfaces();
            for (int e = 0; e < f.maskedSentences().size(); e++) {
                String masked = f.maskedSentences().get(e);
                if (probeTexts.contains(masked)) {
                    report.merge("probe-sentence", 1L, Long::sum);
                    continue;
                }
                String objectSurface = f.objectSurfaces().size() > e && !f.objectSurfaces().get(e).isBlank()
                        ? f.objectSurfaces().get(e) : f.objectLabel();
                String subjectSurface = surfaces.size() > e && !surfaces.get(e).isBlank() ? surfaces.get(e) : f.subjectLabel();
                RelationInstance x = sentence(f, masked, subjectSurface, objectSurface, "t" + (++n), report);
                if (x != null && seen.add(x.relation() + "\t" + x.head() + "\t" + x.tail() + "\t" + String.join(" ", x.tokens()))) {
                    train.add(x);
                } else if (x != null) {
                    report.merge("duplicate", 1L, Long::sum);
                }
            }
        }
        if (train.isEmpty()) {
            throw new InfuseException("data-empty", lamaFolder + ": no T-REx evidence sentence is left for training (skipped: "
                    + report + "); expected facts with evidences[].masked_sentence");
        }
        List<Path> files = new ArrayList<>();
        files.add(lamaFolder.resolve(Lama.RELATIONS_FILE));
        for (LamaRelation r : probe.relations()) {
            files.add(Lama.factFile(probe.factsFolder(), r.relation()));
        }
        return new Corpus(train, trainFacts, probeFacts, report, List.copyOf(files));
    }

    private static String pair(LamaFact f) {
        return (f.subjectUri() == null ? f.subjectLabel() : f.subjectUri()) + "\t"
                + (f.objectUri() == null ? f.objectLabel() : f.objectUri());
    }

    /** One evidence as a linked relation instance, or null (counted) when its mentions cannot be placed. */
    static RelationInstance sentence(LamaFact f, String masked, String subjectSurface, String objectSurface, String id,
            Map<String, Long> report) {
        int mask = masked.indexOf("[MASK]");
        if (mask < 0 || masked.indexOf("[MASK]", mask + 1) >= 0) {
            report.merge(mask < 0 ? "no-mask" : "several-masks", 1L, Long::sum);
            return null;
        }
        List<String> tokens = new ArrayList<>(words(masked.substring(0, mask)));
        int objectStart = tokens.size();
        tokens.addAll(words(objectSurface));
        int objectEnd = tokens.size();
        tokens.addAll(words(masked.substring(mask + "[MASK]".length())));
        if (objectEnd == objectStart) {
            report.merge("empty-object", 1L, Long::sum);
            return null;
        }
        List<String> subject = words(subjectSurface);
        int at = find(tokens, subject, objectStart, objectEnd);
        if (at < 0) {
            report.merge("subject-not-found", 1L, Long::sum);
            return null;
        }
        return new RelationInstance(id, tokens, new Span(at, at + subject.size()), new Span(objectStart, objectEnd),
                f.predicateId(), f.subjectUri(), f.objectUri());
    }

    /** The first occurrence of {@code part} in {@code tokens} not overlapping [objectStart, objectEnd), or -1. */
    private static int find(List<String> tokens, List<String> part, int objectStart, int objectEnd) {
        if (part.isEmpty()) {
            return -1;
        }
        outer:
        for (int i = 0; i + part.size() <= tokens.size(); i++) {
            if (i < objectEnd && i + part.size() > objectStart) {
                continue;
            }
            for (int j = 0; j < part.size(); j++) {
                if (!tokens.get(i + j).equalsIgnoreCase(part.get(j))) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Counts by relation, for reports. */
    public static Map<String, Integer> byRelation(List<RelationInstance> sentences) {
        Map<String, Integer> out = new LinkedHashMap<>();
        sentences.forEach(s -> out.merge(s.relation(), 1, Integer::sum));
        return out;
    }
}
