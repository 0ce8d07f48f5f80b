package dev.infuse.adapter.kilm;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.TrainingData;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Description-infilling examples for the frozen masked-LM head
 * ({@link dev.infuse.heads.MaskedLmHead}). Each entity becomes
 *
 * <pre>[CLS] left &lt;ent&gt; mention &lt;/ent&gt; right &lt;ent_desc&gt; title &lt;sep&gt; [MASK]×k &lt;/ent_desc&gt; [SEP]</pre>
 *
 * where {@code left mention right} is the entity's context sentence (a WordNet usage example) with
 * the mention found in it, or just the title when there is no context or the title does not occur
 * in it; {@code k} is the number of the description's word pieces, capped at
 * {@code maxDescriptionPieces}; the labels are those word pieces. Model inputs: {@code input_ids},
 * {@code token_type_ids}, {@code attention_mask}, {@code mlm_positions} (flat
 * {@code b × time + t}), {@code mlm_labels}.
 *
 * <p>Counted, never fatal ({@link #counts()}): {@code missing-description} (blank description:
 * skipped), {@code truncated-description} (more pieces than the cap: cut), {@code bare-mention}
 * (no usable context: the title alone), {@code truncated-context} (context cut to fit
 * {@code maxLength}), {@code too-long} (does not fit even without context: skipped).
 */
public final class KilmData implements TrainingData {

    /**
     * How the five special tokens are written.
     *
     * <ul>
     *   <li>{@code ADDED}: as the added tokens, whose embeddings the {@code kilm} adapter owns.</li>
     *   <li>{@code PAD}: every marker is BERT's {@code [PAD]} id, i.e. exactly what the composed model
     *       looks up at an added token's position before an adapter replaces it: the frozen-backbone
     *       baseline on the same masked inputs.</li>
     *   <li>{@code TEXT}: the markers as plain one-piece punctuation
     *       ({@code [ ] ( ) :}), so positions and masks are unchanged: a second frozen-backbone baseline
     *       that reads {@code [ mention ] ... ( title : [MASK]… )}.</li>
     * </ul>
     */
    public enum Markers { ADDED, PAD, TEXT }

    /** Plain-text stand-ins for the markers in {@link Markers#TEXT} mode, in {@link KilmTokens} order. */
    public static final List<String> TEXT_MARKERS = List.of("[", "]", "(", ")", ":");

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

    private final Tokenizer tokenizer;
    private final List<Example> examples;
    private final Map<String, Long> counts;

    private KilmData(Tokenizer tokenizer, List<Example> examples, Map<String, Long> counts) {
        this.tokenizer = tokenizer;
        this.examples = List.copyOf(examples);
        this.counts = Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /**
     * Featurises entities.
     *
     * @param tokenizer the model's tokenizer; for {@link Markers#ADDED} it must know the five tokens
     *     (the composed model's tokenizer does)
     * @param maxDescriptionPieces cap on masked pieces per entity ({@code >= 1})
     * @param maxLength cap on the whole sequence, e.g. the backbone's position count
     * @throws InfuseException {@code config-bad-value} if the tokenizer lacks an added token or a
     *     plain-text marker, or a cap is too small
     */
    public static KilmData build(List<EntityDescription> entities, Tokenizer tokenizer, KilmTokens tokens,
            Markers markers, int maxDescriptionPieces, int maxLength) {
        if (maxDescriptionPieces < 1 || maxLength < 8) {
            throw new InfuseException("config-bad-value", "kilm data: maxDescriptionPieces must be at least 1 and "
                    + "maxLength at least 8, got " + maxDescriptionPieces + " and " + maxLength);
        }
        int[] marker = markerIds(tokenizer, tokens, markers);
        Map<String, Long> counts = new TreeMap<>();
        List<Example> out = new ArrayList<>();
        for (EntityDescription e : entities) {
            Example x = featurise(e, tokenizer, marker, maxDescriptionPieces, maxLength, counts);
            if (x != null) {
                out.add(x);
            }
        }
        return new KilmData(tokenizer, out, counts);
    }

    private static int[] markerIds(Tokenizer tokenizer, KilmTokens tokens, Markers markers) {
        List<String> names = tokens.asList();
        int[] ids = new int[names.size()];
        for (int k = 0; k < ids.length; k++) {
            switch (markers) {
                case PAD -> ids[k] = tokenizer.padId();
                case TEXT -> ids[k] = require(tokenizer, TEXT_MARKERS.get(k), "plain-text marker");
                case ADDED -> {
                    ids[k] = require(tokenizer, names.get(k), "added token");
                    if (ids[k] < tokenizer.baseVocabularySize()) {
                        throw new InfuseException("config-token-collision", "kilm data: '" + names.get(k)
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
            throw new InfuseException("config-bad-value", "kilm data: the tokenizer has no " + what + " '" + token
                    + "'; compose the kilm adapter first and use the model's tokenizer");
        }
        return id;
    }

    private static Example featurise(EntityDescription e, Tokenizer tok, int[] marker, int maxPieces, int maxLength,
            Map<String, Long> counts) {
        if (e.description().isBlank()) {
            counts.merge("missing-description", 1L, Long::sum);
            return null;
        }
        int[] description = pieces(tok, e.description());
        if (description.length == 0) {
            counts.merge("missing-description", 1L, Long::sum);
            return null;
        }
        if (description.length > maxPieces) {
            counts.merge("truncated-description", 1L, Long::sum);
            description = Arrays.copyOf(description, maxPieces);
        }
        int[] left = new int[0];
        int[] right = new int[0];
        int[] mention;
        int[] span = e.context().isEmpty() ? null : Mentions.find(e.context(), e.title());
        if (span == null) {
            counts.merge("bare-mention", 1L, Long::sum);
            mention = pieces(tok, e.title());
        } else {
            left = pieces(tok, e.context().substring(0, span[0]));
            mention = pieces(tok, e.context().substring(span[0], span[1]));
            right = pieces(tok, e.context().substring(span[1]));
        }
        int[] title = pieces(tok, e.title());
        int fixed = mention.length + title.length + description.length + 7;
        if (fixed > maxLength) {
            counts.merge("too-long", 1L, Long::sum);
            return null;
        }
        if (fixed + left.length + right.length > maxLength) {
            counts.merge("truncated-context", 1L, Long::sum);
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
        return new Example(e.id(), ids, positions, description, firstWord);
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

    /** The featurised examples. */
    public List<Example> examples() {
        return examples;
    }

    /** Counts by reason (see the class comment). */
    public Map<String, Long> counts() {
        return counts;
    }

    /** The count for one reason, 0 if it never happened. */
    public long count(String reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** The tokenizer the examples were built with. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public int length(int i) {
        return examples.get(i).ids().length;
    }

    @Override
    public Batch batch(int[] indices) {
        List<TokenizedText> texts = new ArrayList<>(indices.length);
        int time = 0;
        int masks = 0;
        for (int i : indices) {
            Example x = examples.get(i);
            int n = x.ids().length;
            texts.add(new TokenizedText(x.ids(), new int[n], new String[n], new int[n], new int[n]));
            time = Math.max(time, n);
            masks += x.maskPositions().length;
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
        Batch batch = Batches.standard(texts, tokenizer.padId());
        batch.put("mlm_positions", Batches.ints(positions, masks));
        batch.put("mlm_labels", Batches.ints(labels, masks));
        return batch;
    }
}
