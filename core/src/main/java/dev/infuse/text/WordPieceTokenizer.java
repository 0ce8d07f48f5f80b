package dev.infuse.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * BERT WordPiece tokenization from a {@code vocab.txt}, with character offsets into the original
 * text and added tokens that never split.
 *
 * <p>Tokenization is done by the HuggingFace {@code tokenizers} library (Rust) through DJL's Java
 * binding. The vocabulary file is turned into an in-memory {@code tokenizer.json} equivalent to
 * HuggingFace's {@code BertTokenizerFast}: BERT normaliser (clean text, CJK spacing, and for uncased
 * models lower-casing plus accent stripping), BERT pre-tokenizer, WordPiece with {@code [UNK]},
 * {@code ##} continuation and at most 100 characters per word, and the template
 * {@code [CLS] A [SEP]} / {@code [CLS] A [SEP] B:1 [SEP]:1}. Nothing is downloaded: no hub name is
 * ever given to DJL. Neither truncation nor padding is applied; callers pad per batch.
 *
 * <p>The five BERT special tokens and all {@linkplain #withAddedTokens added tokens} are matched on
 * the raw text before normalisation, so they are case-sensitive and never split, even when glued to a
 * word ({@code <ent>Paris</ent>}).
 *
 * <p>Offsets: {@link TokenizedText#charStart()}/{@link TokenizedText#charEnd()} are UTF-16 indices
 * into the string that was passed in (for {@link #encodePair} the second text's tokens index into the
 * second string); tokens inserted by the template have {@code [0,0)}.
 *
 * <p>Instances are immutable and thread-safe. Each holds a native tokenizer; it is released by
 * {@link #close()} or, failing that, when the instance becomes unreachable. A closed tokenizer still
 * answers vocabulary queries but refuses to encode. Tokenizers made by {@link #withAddedTokens} are
 * independent and must be closed on their own.
 *
 * <p>On first use DJL extracts its bundled native library into its cache directory ({@code
 * ~/.djl.ai}, or {@code DJL_CACHE_DIR}). DJL's usage telemetry is switched off by setting the
 * {@code OPT_OUT_TRACKING} system property unless the environment or the system properties already
 * decide it.
 */
public final class WordPieceTokenizer implements Tokenizer, AutoCloseable {

    private static final String[] SPECIALS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    private static final int MAX_INPUT_CHARS_PER_WORD = 100;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger LIVE_NATIVE = new AtomicInteger();

    private final Vocabulary vocabulary;
    private final boolean lowercase;
    private final List<String> added;
    private final Map<String, Integer> addedIds;
    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;

    private WordPieceTokenizer(Vocabulary vocabulary, boolean lowercase, List<String> added) {
        this.vocabulary = vocabulary;
        this.lowercase = lowercase;
        this.added = List.copyOf(added);
        Map<String, Integer> ids = new HashMap<>();
        for (int k = 0; k < this.added.size(); k++) {
            ids.put(this.added.get(k), vocabulary.size() + k);
        }
        this.addedIds = Collections.unmodifiableMap(ids);
        this.handle = new NativeHandle(createNative(vocabulary, lowercase, this.added));
        // The action references only the handle, never this instance, so the instance can become
        // phantom-reachable and the native memory is freed even if close() is never called.
        this.cleanable = CLEANER.register(this, handle);
    }

    /**
     * @param vocabulary a BERT {@code vocab.txt}: one token per line, line number = id
     * @param lowercase true for uncased models (lower-cases and strips accents)
     * @throws InfuseException {@code backbone-invalid-vocabulary} if the file is missing, unreadable,
     *     empty, has an empty or duplicate token line, or lacks one of {@code [PAD] [UNK] [CLS] [SEP]
     *     [MASK]}
     */
    public static WordPieceTokenizer fromVocabulary(Path vocabulary, boolean lowercase) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        return new WordPieceTokenizer(Vocabulary.read(vocabulary), lowercase, List.of());
    }

    @Override
    public TokenizedText encode(String text) {
        Objects.requireNonNull(text, "text");
        Prepared a = Prepared.of(text);
        try {
            return handle.use(hf -> toTokenized(hf.encode(a.text), a, null));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public TokenizedText encodePair(String a, String b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Prepared pa = Prepared.of(a);
        Prepared pb = Prepared.of(b);
        try {
            return handle.use(hf -> toTokenized(hf.encode(pa.text, pb.text), pa, pb));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Encodes several texts at once, each as {@link #encode} would; the native library spreads a
     * batch over several threads.
     *
     * @return one result per text, in order
     */
    public List<TokenizedText> encodeBatch(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        Prepared[] prepared = new Prepared[texts.size()];
        String[] raw = new String[texts.size()];
        for (int i = 0; i < raw.length; i++) {
            prepared[i] = Prepared.of(Objects.requireNonNull(texts.get(i), "texts[" + i + "]"));
            raw[i] = prepared[i].text;
        }
        try {
            return handle.use(hf -> {
                Encoding[] encodings = hf.batchEncode(raw);
                List<TokenizedText> out = new ArrayList<>(encodings.length);
                for (int i = 0; i < encodings.length; i++) {
                    out.add(toTokenized(encodings[i], prepared[i], null));
                }
                return Collections.unmodifiableList(out);
            });
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public int baseVocabularySize() {
        return vocabulary.size();
    }

    @Override
    public int vocabularySize() {
        return vocabulary.size() + added.size();
    }

    @Override
    public int tokenId(String token) {
        Integer id = vocabulary.ids.get(token);
        if (id == null) {
            id = addedIds.get(token);
        }
        return id == null ? -1 : id;
    }

    /** @throws IllegalArgumentException if {@code id} is outside {@code [0, vocabularySize())} */
    @Override
    public String token(int id) {
        if (id >= 0 && id < vocabulary.size()) {
            return vocabulary.tokens.get(id);
        }
        if (id >= vocabulary.size() && id < vocabularySize()) {
            return added.get(id - vocabulary.size());
        }
        throw new IllegalArgumentException("token id " + id + " is outside [0, " + vocabularySize() + ")");
    }

    @Override
    public int clsId() {
        return vocabulary.ids.get("[CLS]");
    }

    @Override
    public int sepId() {
        return vocabulary.ids.get("[SEP]");
    }

    @Override
    public int padId() {
        return vocabulary.ids.get("[PAD]");
    }

    @Override
    public int maskId() {
        return vocabulary.ids.get("[MASK]");
    }

    @Override
    public int unknownId() {
        return vocabulary.ids.get("[UNK]");
    }

    /**
     * A new, independent tokenizer that also knows {@code tokens}; this one is unchanged.
     *
     * @throws InfuseException {@code config-token-collision} if a token is in the base vocabulary,
     *     already added, or listed twice; {@code config-bad-value} if a token is null or empty
     */
    @Override
    public WordPieceTokenizer withAddedTokens(List<String> tokens) {
        Objects.requireNonNull(tokens, "tokens");
        List<String> all = new ArrayList<>(added);
        Map<String, Integer> seen = new HashMap<>(addedIds);
        for (int k = 0; k < tokens.size(); k++) {
            String token = tokens.get(k);
            if (token == null || token.isEmpty()) {
                throw new InfuseException("config-bad-value",
                        "added token #" + k + " is " + (token == null ? "null" : "empty") + "; expected a non-empty string");
            }
            Integer baseId = vocabulary.ids.get(token);
            if (baseId != null) {
                throw new InfuseException("config-token-collision", "added token '" + token
                        + "' is already in the vocabulary " + vocabulary.source + " with id " + baseId
                        + "; added tokens must be new so that their embeddings are unambiguous");
            }
            int newId = vocabulary.size() + all.size();
            Integer previous = seen.putIfAbsent(token, newId);
            if (previous != null) {
                throw new InfuseException("config-token-collision", "added token '" + token
                        + "' is added twice (it already has id " + previous + "); each added token must be unique");
            }
            all.add(token);
        }
        return new WordPieceTokenizer(vocabulary, lowercase, all);
    }

    @Override
    public List<String> addedTokens() {
        return added;
    }

    /** Whether this tokenizer lower-cases and strips accents (uncased models). */
    public boolean lowercase() {
        return lowercase;
    }

    /**
     * Releases the native tokenizer now rather than when this instance is garbage collected. Waits
     * for encodings in progress; later calls to the {@code encode} methods throw
     * {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer[" + vocabulary.source + ", " + vocabulary.size() + " tokens + "
                + added.size() + " added, " + (lowercase ? "uncased" : "cased") + "]";
    }

    /** Native tokenizers created and not yet released, for leak tests. */
    static int liveNativeTokenizers() {
        return LIVE_NATIVE.get();
    }

    /** Whether this instance's native tokenizer has been released, for tests (no race with other instances). */
    boolean nativeReleased() {
        return handle.released();
    }

    private static TokenizedText toTokenized(Encoding e, Prepared a, Prepared b) {
        long[] rawIds = e.getIds();
        long[] rawTypes = e.getTypeIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int n = rawIds.length;
        int[] ids = new int[n];
        int[] typeIds = new int[n];
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (int) rawIds[i];
            typeIds[i] = (int) rawTypes[i];
            CharSpan span = spans[i];
            // Tokens inserted by the template have no span; added tokens do have one.
            if (span == null) {
                continue;
            }
            Prepared p = typeIds[i] == 1 && b != null ? b : a;
            start[i] = p.utf16(span.getStart());
            end[i] = p.utf16(span.getEnd());
        }
        return new TokenizedText(ids, typeIds, e.getTokens(), start, end);
    }

    private static HuggingFaceTokenizer createNative(Vocabulary vocabulary, boolean lowercase, List<String> added) {
        String json = tokenizerJson(vocabulary, lowercase, added);
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        // DJL's defaults would truncate to 512 and pad to the longest of a batch.
        Map<String, String> options = Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true");
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
            LIVE_NATIVE.incrementAndGet();
            return hf;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw new InfuseException("backbone-tokenizer-native", "could not create the native WordPiece tokenizer for "
                    + vocabulary.source + " (DJL HuggingFace tokenizers): " + e, e);
        }
    }

    /** The HuggingFace {@code tokenizer.json} of {@code BertTokenizerFast} for this vocabulary. */
    static String tokenizerJson(Vocabulary vocabulary, boolean lowercase, List<String> added) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");

        ArrayNode addedTokens = root.putArray("added_tokens");
        for (String s : SPECIALS) {
            addedTokens.add(addedToken(f, vocabulary.ids.get(s), s));
        }
        for (int k = 0; k < added.size(); k++) {
            addedTokens.add(addedToken(f, vocabulary.size() + k, added.get(k)));
        }

        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "BertNormalizer");
        normalizer.put("clean_text", true);
        normalizer.put("handle_chinese_chars", true);
        normalizer.put("strip_accents", lowercase);
        normalizer.put("lowercase", lowercase);

        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");

        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.add(special(f, "[CLS]", 0));
        single.add(sequence(f, "A", 0));
        single.add(special(f, "[SEP]", 0));
        ArrayNode pair = post.putArray("pair");
        pair.add(special(f, "[CLS]", 0));
        pair.add(sequence(f, "A", 0));
        pair.add(special(f, "[SEP]", 0));
        pair.add(sequence(f, "B", 1));
        pair.add(special(f, "[SEP]", 1));
        ObjectNode specialTokens = post.putObject("special_tokens");
        for (String s : new String[] {"[CLS]", "[SEP]"}) {
            ObjectNode entry = specialTokens.putObject(s);
            entry.put("id", s);
            entry.putArray("ids").add(vocabulary.ids.get(s));
            entry.putArray("tokens").add(s);
        }

        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);

        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "[UNK]");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", MAX_INPUT_CHARS_PER_WORD);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabulary.size(); id++) {
            vocab.put(vocabulary.tokens.get(id), id);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise tokenizer configuration", e);
        }
    }

    private static ObjectNode addedToken(JsonNodeFactory f, int id, String content) {
        ObjectNode t = f.objectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        // Matched on the raw text: case-sensitive, and never seen by the normaliser or WordPiece.
        t.put("normalized", false);
        t.put("special", true);
        return t;
    }

    private static ObjectNode special(JsonNodeFactory f, String id, int typeId) {
        ObjectNode node = f.objectNode();
        ObjectNode inner = node.putObject("SpecialToken");
        inner.put("id", id);
        inner.put("type_id", typeId);
        return node;
    }

    private static ObjectNode sequence(JsonNodeFactory f, String id, int typeId) {
        ObjectNode node = f.objectNode();
        ObjectNode inner = node.putObject("Sequence");
        inner.put("id", id);
        inner.put("type_id", typeId);
        return node;
    }

    /**
     * A text as handed to the native library, and the map from its code-point offsets (what the
     * library reports) back to UTF-16 indices (what Java strings use).
     */
    private static final class Prepared {
        final String text;
        /** UTF-16 index of each code point, plus the length; null when the two coincide. */
        final int[] codePointToUtf16;

        private Prepared(String text, int[] codePointToUtf16) {
            this.text = text;
            this.codePointToUtf16 = codePointToUtf16;
        }

        static Prepared of(String text) {
            int firstSurrogate = -1;
            for (int i = 0; i < text.length(); i++) {
                if (Character.isSurrogate(text.charAt(i))) {
                    firstSurrogate = i;
                    break;
                }
            }
            if (firstSurrogate < 0) {
                return new Prepared(text, null);
            }
            // A lone surrogate is not valid Unicode and cannot cross into Rust; U+FFFD keeps both the
            // UTF-16 length and the code-point count, so offsets still line up with the original.
            StringBuilder clean = new StringBuilder(text.length());
            int[] map = new int[text.length() + 1];
            int cp = 0;
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                map[cp++] = i;
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    clean.append(c).append(text.charAt(i + 1));
                    i += 2;
                } else {
                    clean.append(Character.isSurrogate(c) ? '\uFFFD' : c);
                    i++;
                }
            }
            map[cp] = text.length();
            int[] exact = new int[cp + 1];
            System.arraycopy(map, 0, exact, 0, cp + 1);
            return new Prepared(clean.toString(), exact);
        }

        int utf16(int codePointOffset) {
            if (codePointToUtf16 == null) {
                return Math.min(codePointOffset, text.length());
            }
            return codePointToUtf16[Math.min(codePointOffset, codePointToUtf16.length - 1)];
        }
    }

    /** The backbone's vocabulary, shared by a tokenizer and all tokenizers derived from it. */
    static final class Vocabulary {
        final Path source;
        final List<String> tokens;
        final Map<String, Integer> ids;

        private Vocabulary(Path source, List<String> tokens, Map<String, Integer> ids) {
            this.source = source;
            this.tokens = tokens;
            this.ids = ids;
        }

        int size() {
            return tokens.size();
        }

        static Vocabulary read(Path file) {
            if (!Files.exists(file)) {
                throw invalid(file, "does not exist; expected a BERT vocab.txt with one token per line");
            }
            if (!Files.isRegularFile(file)) {
                throw invalid(file, "is not a regular file; expected a BERT vocab.txt with one token per line");
            }
            List<String> tokens = new ArrayList<>();
            Map<String, Integer> ids = new LinkedHashMap<>();
            int lineNo = 0;
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    lineNo++;
                    if (lineNo == 1 && line.startsWith("\uFEFF")) {
                        line = line.substring(1);
                    }
                    if (line.isEmpty()) {
                        throw invalid(file, "line " + lineNo + " is empty; expected one token per line (the line number minus one is its id)");
                    }
                    Integer previous = ids.putIfAbsent(line, tokens.size());
                    if (previous != null) {
                        throw invalid(file, "line " + lineNo + ": token '" + line + "' already appears on line "
                                + (previous + 1) + "; every token must appear once");
                    }
                    tokens.add(line);
                }
            } catch (CharacterCodingException e) {
                throw new InfuseException("backbone-invalid-vocabulary",
                        "vocabulary " + file + ": line " + (lineNo + 1) + " is not valid UTF-8", e);
            } catch (IOException e) {
                throw new InfuseException("backbone-invalid-vocabulary", "vocabulary " + file + " cannot be read: " + e, e);
            }
            if (tokens.isEmpty()) {
                throw invalid(file, "is empty; expected a BERT vocab.txt with one token per line");
            }
            for (String s : SPECIALS) {
                if (!ids.containsKey(s)) {
                    throw invalid(file, "has no " + s + " token (" + lineNo + " lines read); a BERT vocabulary must contain "
                            + String.join(", ", SPECIALS));
                }
            }
            return new Vocabulary(file, Collections.unmodifiableList(tokens), Collections.unmodifiableMap(ids));
        }

        private static InfuseException invalid(Path file, String what) {
            return new InfuseException("backbone-invalid-vocabulary", "vocabulary " + file + " " + what);
        }
    }

    /**
     * The native tokenizer with a guard so that release never races an encoding in progress. Also
     * the cleaning action, so it must not refer to the owning {@link WordPieceTokenizer}.
     */
    private static final class NativeHandle implements Runnable {
        private final HuggingFaceTokenizer hf;
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private boolean closed;

        NativeHandle(HuggingFaceTokenizer hf) {
            this.hf = hf;
        }

        <T> T use(Function<HuggingFaceTokenizer, T> action) {
            lock.readLock().lock();
            try {
                if (closed) {
                    throw new IllegalStateException("the tokenizer has been closed");
                }
                return action.apply(hf);
            } finally {
                lock.readLock().unlock();
            }
        }

        boolean released() {
            lock.readLock().lock();
            try {
                return closed;
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (!closed) {
                    closed = true;
                    hf.close();
                    LIVE_NATIVE.decrementAndGet();
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }
}
