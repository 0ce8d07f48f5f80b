package dev.infuse.tasks;

import dev.infuse.data.Lama;
import dev.infuse.data.LamaFact;
import dev.infuse.data.LamaProbe;
import dev.infuse.data.LamaRelation;
import dev.infuse.data.ReadReport;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.Splits;
import dev.infuse.data.TrexEvidence;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The tasks over a LAMA folder's T-REx evidence corpus ({@link TrexEvidence}): relation classification
 * and linked masked-mention modelling on the training facts' sentences, LAMA-style cloze queries on the
 * training facts, and the probe on the held-out probe facts.
 *
 * <p><b>Three-way split</b>, fixed by the corpus options alone ({@link Config}: probe fraction and
 * split seed), never by the run's seed, so that every seed and every knowledge-ablated twin of a study
 * sees the same examples:
 * <ol>
 *   <li><em>probe facts</em>: {@link TrexEvidence}'s split, {@code probeFraction} of each relation's facts
 *       grouped by subject, seeded by {@code splitSeed};
 *   <li><em>development facts</em>: of the remaining facts whose subject–object pair is no probe
 *       fact's pair (the others are counted, {@code fact-probe-pair}), {@link #DEV_FRACTION} of each
 *       relation grouped by subject, seeded by {@code splitSeed + 1}, and every fact of another
 *       relation with one of their subject–object pairs;
 *   <li><em>training facts</em>: the rest.
 * </ol>
 * Sentences follow their subject–object pair: a training sentence whose pair is a development fact's
 * pair (in any relation) is a development sentence; no sentence of a probe fact's pair is in either
 * (see {@link TrexEvidence}). A fact is identified by its Wikidata ids ({@code sub_uri}, {@code obj_uri}),
 * by its labels where a file has no ids.
 *
 * <p>Everything left out on the way is counted in the training split's {@code skipped} (the probe's
 * query split for {@code trex-probe}): the corpus's counts ({@code subject-not-found},
 * {@code relation-too-few-facts}, {@code duplicate}, {@code probe-pair}, {@code probe-sentence}, …),
 * {@code fact-without-evidence}, {@code fact-probe-pair}, and the featurisers' own
 * ({@code multi-token-object}, {@code marker-truncated}, …). When nothing usable is left, one
 * {@code data-empty} error says why.
 */
public final class TrexTasks {
    /** The default fraction of each relation's facts held out as probe facts. */
    public static final double DEFAULT_PROBE_FRACTION = 0.2;
    /** The default seed of the probe split (and, plus one, of the development split). */
    public static final long DEFAULT_SPLIT_SEED = 42;
    /** The fraction of each relation's training facts (grouped by subject) held out for development. */
    public static final double DEV_FRACTION = 0.1;

    private TrexTasks() {}

    /**
     * The corpus options: what fixes the split.
     *
     * @param probeFraction fraction of each relation's facts held out as probe facts, in (0, 1)
     * @param splitSeed seed of the probe split; the development split uses {@code splitSeed + 1}
     */
    public record Config(double probeFraction, long splitSeed) {
        /** The defaults: 0.2 and 42. */
        public static final Config DEFAULT = new Config(DEFAULT_PROBE_FRACTION, DEFAULT_SPLIT_SEED);

        public Config {
            if (!(probeFraction > 0 && probeFraction < 1)) {
                throw new InfuseException("config-bad-value", "probe_fraction " + probeFraction
                        + ": expected a fraction in (0, 1), e.g. 0.2");
            }
        }

        /**
         * Parses the task options {@code probe_fraction} and {@code split_seed}.
         *
         * @throws InfuseException {@code config-bad-value} naming the task and option
         */
        public static Config parse(String task, String probeFraction, String splitSeed) {
            double fraction;
            long seed;
            try {
                fraction = Double.parseDouble(probeFraction.trim());
            } catch (NumberFormatException e) {
                throw new InfuseException("config-bad-value", "task '" + task + "': option probe_fraction '" + probeFraction
                        + "': expected a fraction in (0, 1), e.g. 0.2");
            }
            if (!(fraction > 0 && fraction < 1)) {
                throw new InfuseException("config-bad-value", "task '" + task + "': option probe_fraction '" + probeFraction
                        + "': expected a fraction in (0, 1), e.g. 0.2");
            }
            try {
                seed = Long.parseLong(splitSeed.trim());
            } catch (NumberFormatException e) {
                throw new InfuseException("config-bad-value", "task '" + task + "': option split_seed '" + splitSeed
                        + "': expected an integer, e.g. " + DEFAULT_SPLIT_SEED);
            }
            return new Config(fraction, seed);
        }
    }

    /**
     * A LAMA folder's T-REx corpus split three ways (see the class comment).
     *
     * @param folder the LAMA folder read
     * @param train training sentences: of training facts, no development or probe fact's pair
     * @param dev development sentences: those of the development facts' subject–object pairs
     * @param trainFacts training facts (cloze queries), no probe fact's pair
     * @param devFacts held-out training facts (cloze development queries)
     * @param probeFacts held-out probe facts
     * @param relations the relations with their templates, in {@code relations.jsonl} order
     * @param skipped what was left out, by reason
     * @param files the files read ({@code relations.jsonl} and the fact files)
     */
    public record Split(Path folder, List<RelationInstance> train, List<RelationInstance> dev, List<LamaFact> trainFacts,
            List<LamaFact> devFacts, List<LamaFact> probeFacts, List<LamaRelation> relations, Map<String, Long> skipped,
            List<Path> files) {
        public Split {
            files = List.copyOf(files);
            train = List.copyOf(train);
            dev = List.copyOf(dev);
            trainFacts = List.copyOf(trainFacts);
            devFacts = List.copyOf(devFacts);
            probeFacts = List.copyOf(probeFacts);
            relations = List.copyOf(relations);
            skipped = java.util.Collections.unmodifiableMap(new TreeMap<>(skipped));
        }
    }

    /**
     * Reads and splits a LAMA folder.
     *
     * @throws InfuseException {@code data-missing} without a folder; {@code data-empty} when no training
     *     sentence is left (e.g. a folder without evidences)
     */
    public static Split read(Path folder, Config config) {
        if (folder == null) {
            throw new InfuseException("data-missing", "no LAMA folder: give --data DIR (holding DIR/lama) or --train DIR "
                    + "(a LAMA folder: relations.jsonl with TREx/<relation>.jsonl)");
        }
        if (!Files.isDirectory(folder)) {
            throw new InfuseException("data-missing", folder + ": no such folder; expected a LAMA folder (relations.jsonl "
                    + "with TREx/<relation>.jsonl)");
        }
        TrexEvidence.Corpus corpus = TrexEvidence.read(folder, config.probeFraction(), config.splitSeed());
        Map<String, Long> skipped = new TreeMap<>(corpus.report());
        long bare = corpus.trainFacts().stream().filter(f -> f.maskedSentences().isEmpty()).count()
                + corpus.probeFacts().stream().filter(f -> f.maskedSentences().isEmpty()).count();
        if (bare > 0) {
            skipped.put("fact-without-evidence", bare);
        }
        Set<String> probePairs = new HashSet<>();
        corpus.probeFacts().forEach(f -> probePairs.add(pair(f)));
        Map<String, List<LamaFact>> byRelation = new LinkedHashMap<>();
        for (LamaFact f : corpus.trainFacts()) {
            if (probePairs.contains(pair(f))) {
                skipped.merge("fact-probe-pair", 1L, Long::sum);
            } else {
                byRelation.computeIfAbsent(f.predicateId(), r -> new ArrayList<>()).add(f);
            }
        }
        Set<String> devPairs = new HashSet<>();
        for (List<LamaFact> facts : byRelation.values()) {
            Splits.Split<LamaFact> s = Splits.trainDev(facts, DEV_FRACTION, config.splitSeed() + 1, TrexTasks::subject);
            s.dev().forEach(f -> devPairs.add(pair(f)));
        }
        // A fact of another relation with a development fact's pair is a development fact too.
        List<LamaFact> trainFacts = new ArrayList<>();
        List<LamaFact> devFacts = new ArrayList<>();
        for (List<LamaFact> facts : byRelation.values()) {
            for (LamaFact f : facts) {
                (devPairs.contains(pair(f)) ? devFacts : trainFacts).add(f);
            }
        }
        List<RelationInstance> train = new ArrayList<>();
        List<RelationInstance> dev = new ArrayList<>();
        for (RelationInstance x : corpus.train()) {
            (devPairs.contains(pair(x)) ? dev : train).add(x);
        }
        List<LamaRelation> relations = Lama.readRelations(folder.resolve(Lama.RELATIONS_FILE));
        return new Split(folder, train, dev, trainFacts, devFacts, corpus.probeFacts(), relations, skipped, corpus.files());
    }

    private static String subject(LamaFact f) {
        return f.subjectUri() == null ? f.subjectLabel() : f.subjectUri();
    }

    private static String pair(LamaFact f) {
        return subject(f) + "\t" + (f.objectUri() == null ? f.objectLabel() : f.objectUri());
    }

    private static String pair(RelationInstance x) {
        return (x.headId() == null ? String.join(" ", x.headTokens()) : x.headId()) + "\t"
                + (x.tailId() == null ? String.join(" ", x.tailTokens()) : x.tailId());
    }

    /**
     * {@code trex-rc}: relation classification on the training sentences, entity markers as {@code fewrel}.
     *
     * @param shuffledLabels the knowledge-ablated twin of factual pretraining: the training sentences'
     *     relation labels permuted among themselves (same sentences, same label counts, no fact left in the
     *     pairing), by a permutation fixed by {@code split_seed} (not the run's seed); development labels stay gold
     */
    public static Task.Prepared relationClassification(String task, Task.Input in, RelationClassification.Markers markers,
            Config config, boolean shuffledLabels) {
        Split s = read(folder(task, in), config);
        var pair = PreparedData.split(shuffledLabels ? shuffleLabels(s.train(), config.splitSeed() + 2) : s.train(), s.dev(),
                in.seed(), null, in.maxTrain());
        List<RelationInstance> all = new ArrayList<>(s.train());
        all.addAll(s.dev());
        List<String> labels = RelationClassification.labelsOf(all);
        Function<List<RelationInstance>, TaskDataset> featurise = xs -> RelationClassification.fromInstances(xs, in.tokenizer(),
                in.adapters(), labels, in.maxLength(), markers);
        TaskDataset train = featurise.apply(pair.train());
        TaskDataset dev = requireDev(task, s, featurise.apply(pair.dev()));
        return prepared(task, s, train, dev, noTestFile(task));
    }

    /**
     * The instances with their relation labels permuted among them (Fisher–Yates, seeded): the training set
     * of a factual adapter's shuffled-label twin (same sentences, same label counts, no fact left in the pairing).
     */
    public static List<RelationInstance> shuffleLabels(List<RelationInstance> xs, long seed) {
        List<String> labels = new ArrayList<>(xs.stream().map(RelationInstance::relation).toList());
        java.util.Collections.shuffle(labels, new java.util.Random(seed));
        List<RelationInstance> out = new ArrayList<>(xs.size());
        for (int i = 0; i < xs.size(); i++) {
            RelationInstance x = xs.get(i);
            out.add(new RelationInstance(x.id(), x.tokens(), x.head(), x.tail(), labels.get(i), x.headId(), x.tailId()));
        }
        return out;
    }

    /** {@code trex-mention-mlm}: linked masked-mention modelling on the training sentences, as {@code mention-mlm}. */
    public static Task.Prepared mentionMlm(String task, Task.Input in, Config config) {
        Split s = read(folder(task, in), config);
        var pair = PreparedData.split(s.train(), s.dev(), in.seed(), null, in.maxTrain());
        TaskDataset train = MaskedMentions.of(pair.train(), in.tokenizer(), in.adapters(), in.maxLength());
        TaskDataset dev = requireDev(task, s, MaskedMentions.of(pair.dev(), in.tokenizer(), in.adapters(), in.maxLength()));
        return prepared(task, s, train, dev, noTestFile(task));
    }

    /**
     * {@code trex-cloze}: the relation templates on the training facts, object masked (single word piece),
     * trained through the masked-LM head; development = the development facts. A test folder
     * ({@code --test}) is asked its probe facts, split with the same options.
     */
    public static Task.Prepared cloze(String task, Task.Input in, Config config) {
        Split s = read(folder(task, in), config);
        var pair = PreparedData.split(s.trainFacts(), s.devFacts(), in.seed(), null, in.maxTrain());
        if (pair.dev().isEmpty()) {
            throw noDev(task, s);
        }
        TaskDataset train = queries(s, pair.train(), "training facts", in, 0);
        TaskDataset dev = queries(s, pair.dev(), "development facts", in, 0);
        return prepared(task, s, train, dev, p -> probeQueries(task, read(p, config), in, 0));
    }

    /** {@code trex-probe}: the probe facts asked through their templates; nothing trained. */
    public static Task.Prepared probe(String task, Task.Input in, Config config) {
        Split s = read(folder(task, in), config);
        LamaProbeTask queries = probeQueries(task, s, in, in.maxTrain());
        return new PreparedData(task, LamaProbeTask.empty(in.tokenizer()), queries, s.files(),
                p -> probeQueries(task, read(p, config), in, in.maxTrain()));
    }

    private static LamaProbeTask probeQueries(String task, Split s, Task.Input in, int perRelation) {
        if (s.probeFacts().isEmpty()) {
            throw new InfuseException("data-empty", s.folder() + ": task '" + task + "': no probe fact: every relation has too "
                    + "few facts or subjects to hold out a probe fraction (skipped: " + s.skipped() + ")");
        }
        LamaProbeTask q = queries(s, s.probeFacts(), "probe facts", in, perRelation);
        s.skipped().forEach(q::skip);
        return q;
    }

    /** The facts' cloze queries through their relations' templates. */
    private static LamaProbeTask queries(Split s, List<LamaFact> facts, String which, Task.Input in, int perRelation) {
        Map<String, List<LamaFact>> byRelation = new LinkedHashMap<>();
        facts.forEach(f -> byRelation.computeIfAbsent(f.predicateId(), r -> new ArrayList<>()).add(f));
        List<LamaRelation> relations = new ArrayList<>();
        for (LamaRelation r : s.relations()) {
            List<LamaFact> of = byRelation.get(r.relation());
            if (of != null) {
                relations.add(new LamaRelation(r.relation(), r.template(), r.label(), r.type(), of));
            }
        }
        return LamaProbeTask.of(new LamaProbe(relations, List.of(), s.folder(), ReadReport.empty()),
                s.folder() + " (" + which + ")", in.tokenizer(), in.adapters(), perRelation, null);
    }

    private static PreparedData prepared(String task, Split s, TaskDataset train, TaskDataset dev,
            Function<Path, TaskDataset> reader) {
        s.skipped().forEach(train::skip);
        return new PreparedData(task, train, dev, s.files(), reader);
    }

    private static TaskDataset requireDev(String task, Split s, TaskDataset dev) {
        if (s.dev().isEmpty()) {
            throw noDev(task, s);
        }
        return dev;
    }

    private static InfuseException noDev(String task, Split s) {
        return new InfuseException("data-empty", s.folder() + ": task '" + task + "': no development fact: every relation has "
                + "too few training facts or subjects to hold out " + (int) (DEV_FRACTION * 100) + "% (" + s.trainFacts().size()
                + " training facts; skipped: " + s.skipped() + ")");
    }

    private static Path folder(String task, Task.Input in) {
        if (in.dev() != null) {
            throw new InfuseException("usage", "task '" + task + "' holds out its own development facts from the LAMA folder "
                    + "(seeded by the option split_seed); drop --dev " + in.dev());
        }
        return in.train();
    }

    private static Function<Path, TaskDataset> noTestFile(String task) {
        return p -> {
            throw new InfuseException("usage", "task '" + task + "' scores no test file (" + p + "): its held-out facts are "
                    + "asked by trex-probe, or by trex-cloze with --test; drop --test");
        };
    }
}
