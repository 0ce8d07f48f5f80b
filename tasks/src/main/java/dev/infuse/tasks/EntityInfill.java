package dev.infuse.tasks;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.TrainingData;
import dev.infuse.data.EntityDescription;
import dev.infuse.data.WordNetDescriptions;
import dev.infuse.data.WordNetSplit;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.TokenInput;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.types.TFloat32;

/**
 * KILM-style description infilling (task {@code entity-infill}) for the frozen masked-LM head
 * ({@link MaskedLmHead}). Each entity becomes
 *
 * <pre>[CLS] left &lt;ent&gt; mention &lt;/ent&gt; right &lt;ent_desc&gt; title &lt;sep&gt; [MASK]×k &lt;/ent_desc&gt; [SEP]</pre>
 *
 * where {@code left mention right} is the entity's context sentence (a WordNet usage example) with
 * the mention found in it, or just the title when there is no context or the title does not occur
 * in it; {@code k} is the number of the description's word pieces, capped at
 * {@code maxDescriptionPieces}; the labels are those word pieces. Batches carry
 * {@code mlm_positions} (flat {@code b × time + t}) and {@code mlm_labels}.
 *
 * <p>Counted in {@link #counts()}, never fatal: {@code missing-description} (blank description:
 * skipped), {@code truncated-description} (more pieces than the cap: cut), {@code bare-mention}
 * (no usable context: the title alone), {@code truncated-context} (context cut to fit
 * {@code maxLength}), {@code too-long} (does not fit even without context: skipped). Skipped
 * entities also appear in {@link #skipped()}.
 *
 * <p>Scored ({@link #score}) by the top-1 prediction at every mask: {@code wordpiece_accuracy}
 * (primary), {@code first_word_exact_match}, {@code description_exact_match}, and the same three
 * for a no-model control, {@code position_prior/…}: the most frequent training piece at each
 * description position (see {@link #withPositionPrior}).
 */
public final class EntityInfill extends TaskDataset {

    /** The five KILM markers, in the order {@code <ent> </ent> <ent_desc> </ent_desc> <sep>}. */
    public static final List<String> MARKERS = List.of("<ent>", "</ent>", "<ent_desc>", "</ent_desc>", "<sep>");

    /** Plain-text stand-ins for the markers in {@link Markers#TEXT} mode, in {@link #MARKERS} order. */
    public static final List<String> TEXT_MARKERS = List.of("[", "]", "(", ")", ":");

    /** Masked description pieces per entity at most (longer descriptions are cut and counted). */
    public static final int MAX_DESCRIPTION_PIECES = 12;

    /**
     * How the five markers are written.
     *
     * <ul>
     *   <li>{@code ADDED}: as the added tokens {@link #MARKERS}, whose embeddings an adapter (e.g.
     *       {@code kilm}) owns.</li>
     *   <li>{@code PAD}: every marker is the {@code [PAD]} id, what the composed model looks up at an
     *       added token that no adapter replaces.</li>
     *   <li>{@code TEXT}: one-piece punctuation {@code [ ] ( ) :}, positions unchanged: frozen BERT reads
     *       {@code [ mention ] … ( title : [MASK]… )}.</li>
     * </ul>
     */
    public enum Markers { ADDED, PAD, TEXT }

    /**
     * One featurised entity.
     *
     * @param entityId the entity
     * @param ids token ids
     * @param maskPositions positions of the {@code [MASK]}s in {@code ids}
     * @param labels the description's word-piece ids, one per mask
     * @param firstWordPieces how many leading labels make up the description's first word
     */
    public record Example(String entityId, int[] ids, int[] maskPositions, int[] labels, int firstWordPieces) {}

    private final Markers markers;
    private final List<Example> examples = new ArrayList<>();
    private final Map<String, Long> counts = new TreeMap<>();
    private int[] prior;

    private EntityInfill(Tokenizer tokenizer, List<KnowledgeAdapter> adapters, Markers markers) {
        super(tokenizer, adapters);
        this.markers = markers;
    }

    /**
     * The markers a run can use: {@link Markers#ADDED} when the tokenizer has all five
     * {@link #MARKERS} as added tokens (an adapter such as {@code kilm} added them), otherwise
     * {@link Markers#TEXT} (e.g. the frozen-backbone baseline).
     *
     * @throws InfuseException {@code config-token-collision} if a marker is an entry of the base
     *     vocabulary, {@code config-bad-value} if only some of the five were added
     */
    public static Markers markersFor(Tokenizer tokenizer) {
        int added = 0;
        for (String m : MARKERS) {
            int id = tokenizer.tokenId(m);
            if (id >= 0 && id < tokenizer.baseVocabularySize()) {
                throw new InfuseException("config-token-collision", "entity-infill: marker '" + m
                        + "' is a token of the base vocabulary (id " + id + "), not an added token");
            }
            added += id >= 0 ? 1 : 0;
        }
        if (added != 0 && added != MARKERS.size()) {
            throw new InfuseException("config-bad-value", "entity-infill: the run's adapters add only " + added
                    + " of the five markers " + MARKERS + "; add all five (the kilm adapter's default tokens) or none");
        }
        return added == 0 ? Markers.TEXT : Markers.ADDED;
    }

    /**
     * Featurises entities with the markers {@link #markersFor} chooses, cutting descriptions at
     * {@link #MAX_DESCRIPTION_PIECES}.
     */
    public static EntityInfill of(List<EntityDescription> entities, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            int maxLength) {
        return of(entities, tokenizer, adapters, markersFor(tokenizer), MAX_DESCRIPTION_PIECES, maxLength);
    }

    /**
     * Featurises entities.
     *
     * @param tokenizer the model's tokenizer; for {@link Markers#ADDED} it must have the five markers
     *     as added tokens (the composed model's tokenizer does)
     * @param maxDescriptionPieces cap on masked pieces per entity ({@code >= 1})
     * @param maxLength cap on the whole sequence
     * @throws InfuseException {@code config-bad-value} if a marker is missing or a cap is too small,
     *     {@code config-token-collision} if an added marker is in the base vocabulary
     */
    public static EntityInfill of(List<EntityDescription> entities, Tokenizer tokenizer, List<KnowledgeAdapter> adapters,
            Markers markers, int maxDescriptionPieces, int maxLength) {
        if (maxDescriptionPieces < 1 || maxLength < 8) {
            throw new InfuseException("config-bad-value", "entity-infill: maxDescriptionPieces must be at least 1 and "
                    + "maxLength at least 8, got " + maxDescriptionPieces + " and " + maxLength);
        }
        EntityInfill d = new EntityInfill(tokenizer, adapters, markers);
        int[] marker = markerIds(tokenizer, markers);
        for (EntityDescription e : entities) {
            d.add(e, marker, maxDescriptionPieces, maxLength);
        }
        return d;
    }

    private static int[] markerIds(Tokenizer tokenizer, Markers markers) {
        int[] ids = new int[MARKERS.size()];
        for (int k = 0; k < ids.length; k++) {
            switch (markers) {
                case PAD -> ids[k] = tokenizer.padId();
                case TEXT -> ids[k] = require(tokenizer, TEXT_MARKERS.get(k), "plain-text marker");
                case ADDED -> {
                    ids[k] = require(tokenizer, MARKERS.get(k), "added token");
                    if (ids[k] < tokenizer.baseVocabularySize()) {
                        throw new InfuseException("config-token-collision", "entity-infill: '" + MARKERS.get(k)
                                + "' is a token of the base vocabulary (id " + ids[k] + "), not an added token");
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return ids;
    }

    private static int require(Tokenizer tokenizer, String token, String what) {
        int id = tokenizer.tokenId(token);
        if (id < 0) {
            throw new InfuseException("config-bad-value", "entity-infill: the tokenizer has no " + what + " '" + token
                    + "'; compose an adapter that adds it (kilm) and use the model's tokenizer");
        }
        return id;
    }

    private void note(String reason) {
        counts.merge(reason, 1L, Long::sum);
    }

    private void add(EntityDescription e, int[] marker, int maxPieces, int maxLength) {
        Tokenizer tok = tokenizer;
        int[] description = e.description().isBlank() ? new int[0] : pieces(tok, e.description());
        if (description.length == 0) {
            note("missing-description");
            skip("missing-description");
            return;
        }
        if (description.length > maxPieces) {
            note("truncated-description");
            description = Arrays.copyOf(description, maxPieces);
        }
        int[] left = new int[0];
        int[] right = new int[0];
        int[] mention;
        int[] span = e.context().isEmpty() ? null : WordNetDescriptions.findMention(e.context(), e.title());
        if (span == null) {
            note("bare-mention");
            mention = pieces(tok, e.title());
        } else {
            left = pieces(tok, e.context().substring(0, span[0]));
            mention = pieces(tok, e.context().substring(span[0], span[1]));
            right = pieces(tok, e.context().substring(span[1]));
        }
        int[] title = pieces(tok, e.title());
        int fixed = mention.length + title.length + description.length + 7;
        if (fixed > maxLength) {
            note("too-long");
            skip("too-long");
            return;
        }
        if (fixed + left.length + right.length > maxLength) {
            note("truncated-context");
            int room = maxLength - fixed;
            // Keep the words nearest the mention: as much right context as half the room allows.
            int keepRight = Math.min(right.length, Math.max(room / 2, room - left.length));
            int keepLeft = Math.min(left.length, room - keepRight);
            left = Arrays.copyOfRange(left, left.length - keepLeft, left.length);
            right = Arrays.copyOf(right, keepRight);
        }
        int n = fixed + left.length + right.length;
        int[] ids = new int[n];
        int p = 0;
        ids[p++] = tok.clsId();
        p = copy(left, ids, p);
        ids[p++] = marker[0];
        p = copy(mention, ids, p);
        ids[p++] = marker[1];
        p = copy(right, ids, p);
        ids[p++] = marker[2];
        p = copy(title, ids, p);
        ids[p++] = marker[4];
        int[] positions = new int[description.length];
        for (int i = 0; i < description.length; i++) {
            positions[i] = p;
            ids[p++] = tok.maskId();
        }
        ids[p++] = marker[3];
        ids[p++] = tok.sepId();
        int firstWord = 1;
        while (firstWord < description.length && tok.token(description[firstWord]).startsWith("##")) {
            firstWord++;
        }
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = tok.token(ids[i]);
        }
        TokenizedText text = new TokenizedText(ids, new int[n], tokens, new int[n], new int[n]);
        // The text is built from word pieces, not from one string: adapters see no entity mentions.
        List<TokenInput> inputs = new ArrayList<>();
        for (KnowledgeAdapter a : adapters) {
            inputs.addAll(a.tokenInputs(text, List.of()));
        }
        keep(text, inputs);
        examples.add(new Example(e.id(), ids, positions, description, firstWord));
    }

    private static int copy(int[] from, int[] to, int at) {
        System.arraycopy(from, 0, to, at, from.length);
        return at + from.length;
    }

    /** Word pieces of {@code text} without {@code [CLS]}/{@code [SEP]}. */
    static int[] pieces(Tokenizer tok, String text) {
        if (text.isBlank()) {
            return new int[0];
        }
        int[] ids = tok.encode(text).ids();
        return Arrays.copyOfRange(ids, 1, ids.length - 1);
    }

    /** Held-out entities scored when no development file is given (a seeded sample of the held-out fifth). */
    public static final int DEV_ENTITIES = 500;

    /**
     * Reads, splits and featurises the task's entities (task {@code entity-infill}).
     *
     * <ul>
     *   <li>{@code train == null}: every noun synset of the embedded WordNet 3.1
     *       ({@link WordNetDescriptions#wordNet31Nouns}); otherwise WN18RR's {@code entity2text.txt}
     *       ({@link WordNetDescriptions#readWn18rr}) with WordNet 3.1 usage examples as contexts.</li>
     *   <li>Entity-level split by {@link WordNetSplit}: entities it holds out never train. Without
     *       {@code dev}, {@link #DEV_ENTITIES} of them (seeded sample) are scored; with {@code dev} (a
     *       file of the same format) all of its entities are scored and none of them trains.</li>
     *   <li>{@code maxTrain > 0}: a seeded sample of that many training entities.</li>
     * </ul>
     */
    public static PreparedData prepare(String task, java.nio.file.Path train, java.nio.file.Path dev,
            Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxLength, long seed, int maxTrain) {
        return prepare(task, train, dev, tokenizer, adapters, maxLength, seed, maxTrain, Twin.NONE);
    }

    /**
     * The knowledge-ablated twins of KILM-style pretraining, measured on the {@code wn-hypernym} probe
     * ("[X] is a kind of [Y] ." over held-out synsets): {@link #WITH} trains on the descriptions of the
     * probe's entities too (the knowledge source holds them), {@link #WITHOUT} does not; everything
     * else is the same — the training entities are the non-held-out synsets minus a seeded development
     * sample of {@link #DEV_ENTITIES} (scored for epoch selection in both twins).
     */
    public enum Twin {
        /** The default split: held-out synsets never train; a sample of them is scored. */
        NONE,
        /** Trains on the hypernym probe's entities' descriptions as well. */
        WITH,
        /** Its twin without them. */
        WITHOUT;

        /** Parses {@code none}, {@code with}, {@code without}. */
        public static Twin parse(String task, String value) {
            for (Twin t : values()) {
                if (t.name().equalsIgnoreCase(value)) {
                    return t;
                }
            }
            throw new dev.infuse.spi.InfuseException("config-bad-value", "task '" + task + "': option probed_descriptions '"
                    + value + "': expected none, with or without");
        }
    }

    /** As {@link #prepare(String, java.nio.file.Path, java.nio.file.Path, Tokenizer, List, int, long, int)} for a {@link Twin}. */
    public static PreparedData prepare(String task, java.nio.file.Path train, java.nio.file.Path dev,
            Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxLength, long seed, int maxTrain, Twin twin) {
        if (twin != Twin.NONE) {
            if (train != null || dev != null) {
                throw new dev.infuse.spi.InfuseException("config-bad-value", "task '" + task + "': option probed_descriptions="
                        + twin.name().toLowerCase(java.util.Locale.ROOT) + " works on the embedded WordNet 3.1 (the wn-hypernym "
                        + "probe's entities); give neither --train nor --dev");
            }
            return prepareTwin(task, tokenizer, adapters, maxLength, seed, maxTrain, twin);
        }
        List<EntityDescription> source = read(train);
        List<EntityDescription> scored;
        java.util.Set<String> devIds = new java.util.HashSet<>();
        if (dev != null) {
            scored = read(dev);
            scored.forEach(e -> devIds.add(e.id()));
        } else {
            scored = sample(source.stream().filter(e -> WordNetSplit.isHeldOut(e.id())).toList(), DEV_ENTITIES, seed);
        }
        List<EntityDescription> training = source.stream()
                .filter(e -> !WordNetSplit.isHeldOut(e.id()) && !devIds.contains(e.id())).toList();
        if (maxTrain > 0) {
            training = sample(training, maxTrain, seed);
        }
        EntityInfill t = of(training, tokenizer, adapters, maxLength);
        EntityInfill d = of(scored, tokenizer, adapters, maxLength).withPositionPrior(t);
        List<java.nio.file.Path> files = new ArrayList<>();
        if (train != null) {
            files.add(train);
        }
        if (dev != null) {
            files.add(dev);
        }
        return new PreparedData(task, t, d, files,
                file -> of(read(file), tokenizer, adapters, maxLength).withPositionPrior(t));
    }

    private static PreparedData prepareTwin(String task, Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxLength,
            long seed, int maxTrain, Twin twin) {
        List<EntityDescription> source = read(null);
        java.util.Set<String> probed = new java.util.HashSet<>();
        dev.infuse.data.WordNetLexicon.load().hypernymProbe().relations()
                .forEach(r -> r.facts().forEach(f -> probed.add(f.subjectUri())));
        List<EntityDescription> open = source.stream().filter(e -> !WordNetSplit.isHeldOut(e.id())).toList();
        List<EntityDescription> scored = sample(open, DEV_ENTITIES, seed);
        java.util.Set<String> devIds = new java.util.HashSet<>();
        scored.forEach(e -> devIds.add(e.id()));
        List<EntityDescription> training = open.stream().filter(e -> !devIds.contains(e.id())).toList();
        if (maxTrain > 0) {
            training = sample(training, maxTrain, seed);
        }
        if (twin == Twin.WITH) {
            List<EntityDescription> with = new ArrayList<>(training);
            source.stream().filter(e -> probed.contains(e.id())).forEach(with::add);
            training = with;
        }
        EntityInfill t = of(training, tokenizer, adapters, maxLength);
        EntityInfill d = of(scored, tokenizer, adapters, maxLength).withPositionPrior(t);
        return new PreparedData(task, t, d, List.of(), file -> of(read(file), tokenizer, adapters, maxLength).withPositionPrior(t));
    }

    private static List<EntityDescription> read(java.nio.file.Path file) {
        if (file == null) {
            return WordNetDescriptions.wordNet31Nouns().entities();
        }
        return WordNetDescriptions.addContexts(WordNetDescriptions.readWn18rr(file).entities()).entities();
    }

    private static List<EntityDescription> sample(List<EntityDescription> items, int n, long seed) {
        if (items.size() <= n) {
            return items;
        }
        List<EntityDescription> copy = new ArrayList<>(items);
        Collections.shuffle(copy, new java.util.Random(seed));
        return List.copyOf(copy.subList(0, n));
    }

    /** The featurised entities, in input order. */
    public List<Example> examples() {
        return Collections.unmodifiableList(examples);
    }

    /** How the markers were written. */
    public Markers markers() {
        return markers;
    }

    /** Counts by reason (see the class comment). */
    public Map<String, Long> counts() {
        return Collections.unmodifiableMap(counts);
    }

    /** The count for one reason, 0 if it never happened. */
    public long count(String reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** The frozen masked-LM head (no parameters). */
    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        return head();
    }

    public TaskHead head() {
        return new MaskedLmHead();
    }

    @Override
    protected void addInputs(Batch batch, int[] indices, int time) {
        int masks = 0;
        for (int i : indices) {
            masks += examples.get(i).maskPositions().length;
        }
        int[] positions = new int[masks];
        int[] labels = new int[masks];
        int m = 0;
        for (int b = 0; b < indices.length; b++) {
            Example x = examples.get(indices[b]);
            for (int j = 0; j < x.maskPositions().length; j++) {
                positions[m] = b * time + x.maskPositions()[j];
                labels[m++] = x.labels()[j];
            }
        }
        batch.put("mlm_positions", Batches.ints(positions, masks));
        batch.put("mlm_labels", Batches.ints(labels, masks));
    }

    /**
     * Sets the no-model control reported with every score: at the {@code j}-th mask, the word piece
     * most frequent at the {@code j}-th description position among {@code train}'s entities (ties:
     * the smaller id). A plug-in that only learns this prior scores the same.
     *
     * @return this
     */
    public EntityInfill withPositionPrior(EntityInfill train) {
        List<Map<Integer, Integer>> freq = new ArrayList<>();
        for (Example x : train.examples) {
            for (int j = 0; j < x.labels().length; j++) {
                while (freq.size() <= j) {
                    freq.add(new HashMap<>());
                }
                freq.get(j).merge(x.labels()[j], 1, Integer::sum);
            }
        }
        int[] best = new int[freq.size()];
        for (int j = 0; j < best.length; j++) {
            best[j] = freq.get(j).entrySet().stream()
                    .max(Map.Entry.<Integer, Integer>comparingByValue()
                            .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                    .orElseThrow().getKey();
        }
        this.prior = best;
        return this;
    }

    /** The position prior's scores on these entities (empty without {@link #withPositionPrior}). */
    public Map<String, Double> positionPriorScores() {
        if (prior == null) {
            return Map.of();
        }
        Scores s = new Scores();
        for (Example x : examples) {
            int[] predicted = new int[x.labels().length];
            for (int j = 0; j < predicted.length; j++) {
                predicted[j] = j < prior.length ? prior[j] : -1;
            }
            s.add(x, predicted);
        }
        return s.metrics(examples.size());
    }

    /** The top-1 predicted piece at every mask, per example (dataset order). */
    public List<int[]> predict(ComposedModel model, TrainingData source) {
        var logits = model.headOutputs().orElseThrow(
                () -> new IllegalStateException("entity-infill needs a masked-LM head")).outputs().get("logits");
        int[][] out = new int[size()][];
        forEachBatch(model, source, logits, 16, (idx, tensor) -> {
            TFloat32 t = (TFloat32) tensor;
            int vocabulary = (int) t.shape().size(1);
            float[] all = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(all);
            int m = 0;
            for (int i : idx) {
                int[] predicted = new int[examples.get(i).labels().length];
                for (int j = 0; j < predicted.length; j++, m++) {
                    predicted[j] = argMax(all, m * vocabulary, vocabulary);
                }
                out[i] = predicted;
            }
        });
        return Arrays.asList(out);
    }

    /**
     * Infilling metrics of {@code model} (see the class comment), the position prior's under
     * {@code position_prior/…}, {@code entities}, {@code pieces}, and {@code text_markers} (1 when
     * the markers were written as plain text).
     */
    public Map<String, Double> score(ComposedModel model, TrainingData source) {
        return evaluate(model, source).metrics();
    }

    /** An evaluator over {@code source} (this dataset or a cached wrapper), primary metric {@code wordpiece_accuracy}. */
    public Evaluator evaluator(TrainingData source) {
        return Evaluator.of("wordpiece_accuracy", model -> score(model, source));
    }

    /** Running totals of the metrics. */
    private static final class Scores {
        long pieces;
        long correct;
        long firstWord;
        long whole;

        void add(Example x, int[] predicted) {
            boolean firstOk = true;
            boolean allOk = true;
            for (int j = 0; j < x.labels().length; j++) {
                boolean ok = predicted[j] == x.labels()[j];
                correct += ok ? 1 : 0;
                allOk &= ok;
                if (j < x.firstWordPieces()) {
                    firstOk &= ok;
                }
            }
            pieces += x.labels().length;
            firstWord += firstOk ? 1 : 0;
            whole += allOk ? 1 : 0;
        }

        Map<String, Double> metrics(int n) {
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("wordpiece_accuracy", pieces == 0 ? 0.0 : (double) correct / pieces);
            out.put("first_word_exact_match", n == 0 ? 0.0 : (double) firstWord / n);
            out.put("description_exact_match", n == 0 ? 0.0 : (double) whole / n);
            out.put("entities", (double) n);
            out.put("pieces", (double) pieces);
            return out;
        }
    }

    private static int argMax(float[] v, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public dev.infuse.spi.Task.Evaluation evaluate(ComposedModel model, TrainingData source) {
        List<int[]> predicted = predict(model, source);
        Scores s = new Scores();
        List<dev.infuse.spi.ItemOutcome> outcomes = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Example x = examples.get(i);
            int[] p = predicted.get(i);
            s.add(x, p);
            int c = 0;
            for (int j = 0; j < x.labels().length; j++) {
                c += p[j] == x.labels()[j] ? 1 : 0;
            }
            outcomes.add(new dev.infuse.spi.ItemOutcome(x.entityId(), Map.of("correct", (double) c, "total",
                    (double) x.labels().length), pieceList(p), pieceList(x.labels())));
        }
        Map<String, Double> m = new LinkedHashMap<>(s.metrics(examples.size()));
        positionPriorScores().forEach((k, v) -> {
            if (!k.equals("entities") && !k.equals("pieces")) {
                m.put("position_prior/" + k, v);
            }
        });
        m.put("text_markers", markers == Markers.TEXT ? 1.0 : 0.0);
        return Scored.of(m, outcomes);
    }

    private List<String> pieceList(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tokenizer.token(id));
        }
        return out;
    }
}
