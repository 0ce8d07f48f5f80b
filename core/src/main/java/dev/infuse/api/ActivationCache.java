package dev.infuse.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.TokenizedText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import me.tongfei.progressbar.ProgressBar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The frozen backbone's hidden states at some taps over a fixed list of texts, computed once and
 * kept on disk, memory-mapped. Side adapters only read taps of a frozen model, so every epoch after
 * the first, and every other method trained on the same data, reads them instead of running the
 * backbone again.
 *
 * <p>A cache lives in {@code root/<key>/}, where the key is a SHA-256 over the backbone fingerprint,
 * the taps and every token id and segment id of every text (so a change of backbone weights, of
 * tokenization or of data gives another folder and a stale cache is never read). It is written into
 * a temporary sibling folder and renamed when complete, so an interrupted fill leaves nothing that
 * could be mistaken for a cache; two processes filling the same key race harmlessly. The next fill under
 * the same root deletes an interrupted fill's folder once none of its files has changed for 30 minutes.
 *
 * <p>Texts that are all in an existing cache of the same backbone, precision and storage, with at least
 * the taps asked for, are served from it as a view — in their own order, duplicates allowed — without
 * running the backbone or writing a copy: a {@code max_train} sample, a few-shot selection or a learning
 * curve's points read the cache of the whole data set.
 *
 * <p>Layout: {@code cache.json} (backbone, taps, hidden size, example count, storage; its modification time is
 * the cache's last use, refreshed on every open, by which {@link ActivationCaches} prunes), {@code offsets.bin}
 * (little-endian longs: token offset of each example, plus the total), {@code texts.sha} (16 bytes per
 * example: the start of the SHA-256 of its length, token ids and segment ids), and one file per tap,
 * {@code [tokens, H]} row-major, examples back to back: {@code tap_<i>.f32} (little-endian floats) for
 * an fp32 backbone, {@code tap_<i>.bf16} (little-endian bfloat16, the upper half of each float rounded
 * to nearest even) for a bf16 one — half the disk and page cache, for values whose products the bf16
 * backbone already rounds to bfloat16. Readers always get fp32 tensors. Taps are computed with the
 * backbone in inference mode (no dropout).
 */
public final class ActivationCache {
    private static final Logger LOG = LoggerFactory.getLogger(ActivationCache.class);
    private static final int FORMAT = 1;
    private static final long CHUNK_BYTES = 1L << 30;
    /** One digest per cached text, in order, so that a subset of the texts can be served from the cache. */
    private static final String TEXTS_FILE = "texts.sha";
    private static final int DIGEST_BYTES = 16;

    private final Path folder;
    private final int hidden;
    private final SortedSet<Integer> taps;
    private final List<String> features;
    private final Storage storage;
    private final long[] offsets;
    // Rows of this cache's files that its examples are, when it serves a subset of another cache's texts; else null.
    private final int[] rows;
    private final List<List<MappedByteBuffer>> chunks;
    private final List<long[]> chunkStarts;

    /** How cached values are stored on disk: as they are, or rounded to bfloat16. */
    enum Storage {
        F32(4, ".f32"), BF16(2, ".bf16");

        final int bytes;
        final String suffix;

        Storage(int bytes, String suffix) {
            this.bytes = bytes;
            this.suffix = suffix;
        }

        static Storage of(Backbone backbone) {
            return backbone.precision() == dev.infuse.spi.Precision.BF16 ? BF16 : F32;
        }

        /** The name {@code cache.json} records. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private ActivationCache(Path folder, int hidden, SortedSet<Integer> taps, List<String> features, Storage storage,
            long[] offsets) throws IOException {
        this.folder = folder;
        this.hidden = hidden;
        this.taps = taps;
        this.features = List.copyOf(features);
        this.storage = storage;
        this.offsets = offsets;
        this.rows = null;
        this.chunks = new ArrayList<>();
        this.chunkStarts = new ArrayList<>();
        for (String f : features) {
            mapTap(folder.resolve(f + storage.suffix));
        }
    }

    /** A view of {@code whole}'s examples {@code rows} and of its taps {@code taps}: the same mapped files. */
    private ActivationCache(ActivationCache whole, int[] rows, SortedSet<Integer> taps) {
        this.folder = whole.folder;
        this.hidden = whole.hidden;
        this.taps = new TreeSet<>(taps);
        this.features = features(taps, List.of());
        this.storage = whole.storage;
        this.offsets = whole.offsets;
        this.rows = rows;
        this.chunks = new ArrayList<>();
        this.chunkStarts = new ArrayList<>();
        for (String f : features) {
            int k = whole.features.indexOf(f);
            chunks.add(whole.chunks.get(k));
            chunkStarts.add(whole.chunkStarts.get(k));
        }
    }

    private int row(int i) {
        return rows == null ? i : rows[i];
    }

    private static List<String> features(SortedSet<Integer> taps, List<String> sides) {
        List<String> out = new ArrayList<>();
        taps.forEach(t -> out.add("tap_" + t));
        sides.forEach(a -> out.add("side_" + a));
        return out;
    }

    /**
     * Opens the cache for these texts, filling it first if it does not exist yet.
     *
     * @param root cache root (e.g. {@code ~/.infuse/cache/activations})
     * @param taps hidden-state taps to keep ({@code 0..L})
     * @param batchSize sentences per forward pass while filling
     */
    public static ActivationCache open(Path root, Backbone backbone, List<TokenizedText> texts, SortedSet<Integer> taps,
            int batchSize, boolean progress) {
        for (int t : taps) {
            if (t < 0 || t > backbone.spec().layers()) {
                throw new InfuseException("config-bad-tap", "tap " + t + " is outside 0.." + backbone.spec().layers());
            }
        }
        String key = key(backbone, texts, taps, "");
        Path folder = root.resolve(key);
        try {
            if (!Files.exists(folder.resolve("cache.json"))) {
                ActivationCache subset = fromSuperset(root, backbone, texts, taps);
                if (subset != null) {
                    return subset;
                }
                try (ComposedModel model = ComposedModel.builder(backbone).build()) {
                    fill(folder, model, texts, taps, List.of(), batchSize, progress, null);
                }
            } else {
                LOG.info("activation cache hit: {}", folder);
            }
            return load(folder, backbone.spec().hiddenSize(), taps, List.of(), Storage.of(backbone), texts.size());
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "activation cache " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #open(Path, Backbone, List, SortedSet, int, boolean)}, and also caches the outputs
     * of frozen side adapters ({@code side_<name>}), so that a downstream head over frozen adapters
     * trains without running them again. The key includes a hash of each adapter's weights.
     *
     * @param frozenSides side adapters used frozen
     * @param weights weights to load per adapter name (absent: the adapter keeps the initialisation
     *     of {@code seed}, as a random control does)
     * @param seed model seed, which determines random initialisations
     */
    public static ActivationCache open(Path root, Backbone backbone, List<TokenizedText> texts, SortedSet<Integer> taps,
            List<dev.infuse.spi.KnowledgeAdapter> frozenSides, java.util.Map<String, java.util.Map<String, float[]>> weights,
            long seed, int batchSize, boolean progress) {
        if (frozenSides.isEmpty()) {
            return open(root, backbone, texts, taps, batchSize, progress);
        }
        // The adapters read taps of the frozen backbone: take them from a (shared) tap cache, so the
        // backbone runs once per data set whatever the number of adapters and methods.
        SortedSet<Integer> needed = new TreeSet<>(taps);
        frozenSides.forEach(a -> needed.addAll(a.taps()));
        ActivationCache source = open(root, backbone, texts, needed, batchSize, progress);
        ComposedModel.Builder b = ComposedModel.builder(backbone).seed(seed).unfused().cachedTaps(needed);
        frozenSides.forEach(a -> b.adapter(a, ComposedModel.Mode.FROZEN));
        List<String> sides = frozenSides.stream().map(dev.infuse.spi.KnowledgeAdapter::name).toList();
        try (ComposedModel model = b.build()) {
            StringBuilder extra = new StringBuilder();
            for (dev.infuse.spi.KnowledgeAdapter a : frozenSides) {
                java.util.Map<String, float[]> w = weights.get(a.name());
                if (w != null) {
                    model.loadWeights("adapter." + a.name(), w);
                }
                extra.append('/').append(a.name()).append(':').append(weightHash(model.weights("adapter." + a.name())));
            }
            String key = key(backbone, texts, taps, extra.toString());
            Path folder = root.resolve(key);
            if (!Files.exists(folder.resolve("cache.json"))) {
                fill(folder, model, texts, taps, sides, batchSize, progress, source);
            } else {
                LOG.info("activation cache hit: {}", folder);
            }
            return load(folder, backbone.spec().hiddenSize(), taps, sides, Storage.of(backbone), texts.size());
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "activation cache under " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * A view of an existing tap cache that holds every one of {@code texts} (same backbone, precision and storage,
     * at least these taps), or null: a subset of a cached data set (a {@code max_train} sample, a few-shot
     * selection, a learning curve's points) is served without running the backbone or writing a copy.
     */
    private static ActivationCache fromSuperset(Path root, Backbone backbone, List<TokenizedText> texts, SortedSet<Integer> taps)
            throws IOException {
        if (!Files.isDirectory(root)) {
            return null;
        }
        List<ByteBuffer> wanted = new ArrayList<>(texts.size());
        for (TokenizedText t : texts) {
            wanted.add(ByteBuffer.wrap(textDigest(t)));
        }
        List<Path> folders;
        try (var list = Files.list(root)) {
            folders = list.filter(f -> !f.getFileName().toString().startsWith(".") && Files.isRegularFile(f.resolve(TEXTS_FILE)))
                    .sorted().toList();
        }
        ObjectMapper json = new ObjectMapper();
        for (Path f : folders) {
            com.fasterxml.jackson.databind.JsonNode m;
            try {
                m = json.readTree(f.resolve("cache.json").toFile());
            } catch (IOException | RuntimeException e) {
                continue; // not a complete cache of this format
            }
            List<Integer> has = new ArrayList<>();
            m.path("taps").forEach(t -> has.add(t.asInt()));
            if (m.path("format").asInt() != FORMAT || !backbone.fingerprint().equals(m.path("backbone").asText())
                    || !backbone.precision().label().equals(m.path("precision").asText())
                    || !Storage.of(backbone).label().equals(m.path("storage").asText())
                    || m.path("sides").size() > 0 || m.path("hidden_size").asInt() != backbone.spec().hiddenSize()
                    || !has.containsAll(taps)) {
                continue;
            }
            int examples = m.path("examples").asInt();
            byte[] digests = Files.readAllBytes(f.resolve(TEXTS_FILE));
            if (digests.length != examples * DIGEST_BYTES) {
                continue;
            }
            java.util.Map<ByteBuffer, Integer> rowOf = new java.util.HashMap<>(examples * 2);
            for (int r = examples - 1; r >= 0; r--) {
                rowOf.put(ByteBuffer.wrap(digests, r * DIGEST_BYTES, DIGEST_BYTES).slice(), r);
            }
            int[] rows = new int[texts.size()];
            boolean all = true;
            for (int i = 0; i < rows.length && all; i++) {
                Integer r = rowOf.get(wanted.get(i));
                all = r != null;
                rows[i] = all ? r : -1;
            }
            if (all) {
                ActivationCache whole = load(f, backbone.spec().hiddenSize(), new TreeSet<>(has), List.of(), Storage.of(backbone),
                        examples);
                LOG.info("activation cache: {} texts served from {} ({} texts)", texts.size(), f, examples);
                return new ActivationCache(whole, rows, taps);
            }
        }
        return null;
    }

    /** The first {@link #DIGEST_BYTES} bytes of the SHA-256 of one text's length, token ids and segment ids. */
    private static byte[] textDigest(TokenizedText t) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer bb = ByteBuffer.allocate(4 + 8 * t.length());
            bb.putInt(t.length());
            for (int k = 0; k < t.length(); k++) {
                bb.putInt(t.ids()[k]).putInt(t.typeIds()[k]);
            }
            md.update(bb.flip());
            return java.util.Arrays.copyOf(md.digest(), DIGEST_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String weightHash(java.util.Map<String, float[]> weights) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (var e : new java.util.TreeMap<>(weights).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                ByteBuffer bb = ByteBuffer.allocate(e.getValue().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(e.getValue());
                md.update(bb);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds this cache's features for examples {@code indices}, padded to {@code time}, to a batch. */
    Batch addTo(Batch b, int[] indices, int time) {
        for (String f : features) {
            b.put(f, batch(f, indices, time));
        }
        return b;
    }

    /** Names of the cached side outputs ({@code side_<adapter>}), without the prefix. */
    public List<String> sides() {
        return features.stream().filter(f -> f.startsWith("side_")).map(f -> f.substring(5)).toList();
    }

    /** The cache folder. */
    public Path folder() {
        return folder;
    }

    public SortedSet<Integer> taps() {
        return taps;
    }

    public int size() {
        return rows == null ? offsets.length - 1 : rows.length;
    }

    /** Token count of example {@code i}. */
    public int length(int i) {
        int r = row(i);
        return (int) (offsets[r + 1] - offsets[r]);
    }

    /**
     * A zero-padded {@code [indices.length, time, H]} tensor of one tap for a batch.
     *
     * @param time padded length, at least the longest example of the batch
     */
    public TFloat32 batch(int tap, int[] indices, int time) {
        return batch("tap_" + tap, indices, time);
    }

    /**
     * Like {@link #batch(int, int[], int)} for any cached feature: {@code tap_<i>} or
     * {@code side_<adapter>}.
     */
    public TFloat32 batch(String feature, int[] indices, int time) {
        int tapIndex = features.indexOf(feature);
        if (tapIndex < 0) {
            throw new IllegalArgumentException(feature + " is not cached (have " + features + ")");
        }
        float[] out = new float[indices.length * time * hidden];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            int len = length(i);
            if (len > time) {
                throw new IllegalArgumentException("example " + i + " has " + len + " tokens, more than time " + time);
            }
            readRows(tapIndex, offsets[row(i)], len, out, k * time * hidden);
        }
        return TFloat32.tensorOf(Shape.of(indices.length, time, hidden), DataBuffers.of(out, true, false));
    }

    private void readRows(int tapIndex, long firstToken, int rows, float[] out, int at) {
        long byteStart = firstToken * hidden * storage.bytes;
        long[] starts = chunkStarts.get(tapIndex);
        List<MappedByteBuffer> maps = chunks.get(tapIndex);
        int c = 0;
        while (c + 1 < starts.length && starts[c + 1] <= byteStart) {
            c++;
        }
        ByteBuffer region = maps.get(c).duplicate().order(ByteOrder.LITTLE_ENDIAN)
                .position((int) (byteStart - starts[c])).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (storage == Storage.F32) {
            region.asFloatBuffer().get(out, at, rows * hidden);
        } else {
            // Widened in place: no intermediate array per example on this hot path.
            java.nio.ShortBuffer sb = region.asShortBuffer();
            for (int k = 0, n = rows * hidden; k < n; k++) {
                out[at + k] = Float.intBitsToFloat((sb.get(k) & 0xffff) << 16);
            }
        }
    }

    /** The bfloat16 nearest to {@code x} (ties to even; NaN stays NaN), as its 16 bits. */
    static short toBfloat16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private void mapTap(Path file) throws IOException {
        // Chunks end on example boundaries so every example's rows lie inside one mapping.
        List<MappedByteBuffer> maps = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        long width = (long) hidden * storage.bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long expected = offsets[offsets.length - 1] * width;
            if (ch.size() != expected) {
                throw new InfuseException("artifact-corrupt", file + ": " + ch.size() + " bytes, expected " + expected);
            }
            int i = 0;
            while (i < offsets.length - 1) {
                long start = offsets[i] * width;
                int j = i;
                while (j < offsets.length - 1 && offsets[j + 1] * width - start <= CHUNK_BYTES) {
                    j++;
                }
                if (j == i) {
                    j = i + 1;
                }
                long end = offsets[j] * width;
                maps.add(ch.map(FileChannel.MapMode.READ_ONLY, start, end - start));
                starts.add(start);
                i = j;
            }
        }
        chunks.add(maps);
        chunkStarts.add(starts.stream().mapToLong(Long::longValue).toArray());
    }

    private static ActivationCache load(Path folder, int hidden, SortedSet<Integer> taps, List<String> sides,
            Storage storage, int examples) throws IOException {
        byte[] raw = Files.readAllBytes(folder.resolve("offsets.bin"));
        if (raw.length != (examples + 1) * 8) {
            throw new InfuseException("artifact-corrupt", folder.resolve("offsets.bin") + ": " + raw.length
                    + " bytes, expected " + (examples + 1) * 8);
        }
        long[] offsets = new long[examples + 1];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(offsets);
        markUsed(folder);
        return new ActivationCache(folder, hidden, new TreeSet<>(taps), features(taps, sides), storage, offsets);
    }

    private static void fill(Path folder, ComposedModel model, List<TokenizedText> texts, SortedSet<Integer> taps,
            List<String> sides, int batchSize, boolean progress, ActivationCache source) throws IOException {
        Backbone backbone = model.backbone();
        Files.createDirectories(folder.getParent());
        removeAbandonedFills(folder.getParent(), STALE_FILL);
        int hidden = backbone.spec().hiddenSize();
        Storage storage = Storage.of(backbone);
        long[] offsets = new long[texts.size() + 1];
        for (int i = 0; i < texts.size(); i++) {
            offsets[i + 1] = offsets[i] + texts.get(i).length();
        }
        requireSpace(folder.getParent(), texts.size(), offsets[texts.size()], features(taps, sides).size(), hidden, storage,
                USABLE_SPACE);
        Path tmp = Files.createTempDirectory(folder.getParent(), "." + folder.getFileName() + ".tmp-");
        List<FileChannel> channels = new ArrayList<>();
        try {
            for (String f : features(taps, sides)) {
                channels.add(FileChannel.open(tmp.resolve(f + storage.suffix), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE));
            }
            List<Operand<?>> fetches = new ArrayList<>();
            if (source == null) {
                for (int tap : taps) {
                    fetches.add(model.hiddenStates().tap(tap));
                }
            }
            for (String a : sides) {
                fetches.add(model.sideOutputs().get(a));
            }
            int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
            long t0 = System.nanoTime();
            long done = 0;
            try (ProgressBar bar = progress ? Progress.bar(sides.isEmpty() ? "caching activations" : "caching adapter outputs", texts.size(), " sent") : null) {
                for (int[] idx : Batches.bucketed(lengths, batchSize, batchSize * 128, null)) {
                    List<TokenizedText> group = new ArrayList<>();
                    for (int i : idx) {
                        group.add(texts.get(i));
                    }
                    int time = group.stream().mapToInt(TokenizedText::length).max().orElse(0);
                    try (Batch b = Batches.standard(group, model.tokenizer().padId());
                            Result r = model.run(source == null ? b : source.addTo(b, idx, time), fetches)) {
                        List<TFloat32> values = new ArrayList<>();
                        if (source != null) {
                            // Taps were fed from the source cache (TensorFlow cannot fetch a fed tensor): copy them.
                            taps.forEach(t -> values.add((TFloat32) b.tensors().get("tap_" + t)));
                        }
                        for (int k = 0; k < fetches.size(); k++) {
                            values.add((TFloat32) r.get(k));
                        }
                        for (int t = 0; t < channels.size(); t++) {
                            TFloat32 x = values.get(t);
                            float[] all = new float[idx.length * time * hidden];
                            x.asRawTensor().data().asFloats().read(all);
                            for (int k = 0; k < idx.length; k++) {
                                int len = lengths[idx[k]];
                                ByteBuffer bb = ByteBuffer.allocate(len * hidden * storage.bytes).order(ByteOrder.LITTLE_ENDIAN);
                                if (storage == Storage.F32) {
                                    bb.asFloatBuffer().put(all, k * time * hidden, len * hidden);
                                } else {
                                    java.nio.ShortBuffer sb = bb.asShortBuffer();
                                    for (int q = k * time * hidden, end = q + len * hidden; q < end; q++) {
                                        sb.put(toBfloat16(all[q]));
                                    }
                                }
                                long pos = offsets[idx[k]] * hidden * storage.bytes;
                                while (bb.hasRemaining()) {
                                    pos += channels.get(t).write(bb, pos);
                                }
                            }
                        }
                    }
                    done += idx.length;
                    if (bar != null) {
                        bar.stepBy(idx.length);
                    } else if (done * 10 / texts.size() > (done - idx.length) * 10 / texts.size()) {
                        // Without a bar (studies, logs), a line per tenth so that a long fill shows it is alive.
                        LOG.info("caching {}: {} of {} texts ({} s)", sides.isEmpty() ? "activations" : "adapter outputs",
                                done, texts.size(), String.format("%.0f", (System.nanoTime() - t0) / 1e9));
                    }
                }
            }
            for (FileChannel ch : channels) {
                ch.force(true);
            }
            LOG.info("cached taps {} of {} texts in {} s", taps, texts.size(), String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        } finally {
            for (FileChannel ch : channels) {
                ch.close();
            }
        }
        ByteBuffer ob = ByteBuffer.allocate(offsets.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        ob.asLongBuffer().put(offsets);
        Files.write(tmp.resolve("offsets.bin"), ob.array());
        ByteBuffer digests = ByteBuffer.allocate(texts.size() * DIGEST_BYTES);
        texts.forEach(t -> digests.put(textDigest(t)));
        Files.write(tmp.resolve(TEXTS_FILE), digests.array());
        ObjectNode manifest = new ObjectMapper().createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("backbone", backbone.fingerprint());
        manifest.put("precision", backbone.precision().label());
        manifest.put("storage", storage.label());
        manifest.put("hidden_size", hidden);
        manifest.putPOJO("taps", new ArrayList<>(taps));
        manifest.putPOJO("sides", sides);
        manifest.put("examples", texts.size());
        manifest.put("tokens", offsets[offsets.length - 1]);
        // cache.json last: its presence marks a complete cache.
        Files.writeString(tmp.resolve("cache.json"), manifest.toPrettyString(), StandardCharsets.UTF_8);
        moveIntoPlace(tmp, folder);
    }

    /**
     * Renames a filled cache into place. When another thread or process finished the same cache first, theirs is
     * identical: ours is dropped. (Linux reports the occupied target as a plain {@code FileSystemException}, "Directory
     * not empty", not as {@code DirectoryNotEmptyException}.)
     */
    static void moveIntoPlace(Path tmp, Path folder) throws IOException {
        try {
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileSystemException e) {
            deleteTree(tmp);
            if (!Files.exists(folder.resolve("cache.json"))) {
                throw e;
            }
        }
    }

    /** Free space of the file system that holds a folder. */
    static final java.util.function.ToLongFunction<Path> USABLE_SPACE = p -> {
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: let the fill try
        }
    };

    /**
     * Refuses a fill the disk cannot hold, before any forward pass: a full disk half-way through a long fill would
     * waste the fill and fail whatever else writes there. Needs the cache's size plus 1 GiB to spare.
     */
    static void requireSpace(Path root, int texts, long tokens, int features, int hidden, Storage storage,
            java.util.function.ToLongFunction<Path> usableSpace) {
        long needed = tokens * hidden * storage.bytes * features + (texts + 1L) * (8 + DIGEST_BYTES);
        long spare = 1L << 30;
        long usable = usableSpace.applyAsLong(root);
        if (usable < needed + spare) {
            throw new InfuseException("artifact-no-space", String.format(java.util.Locale.ROOT,
                    "activation cache under %s: the fill for %,d texts needs %.2f GiB (and 1 GiB to spare), %.2f GiB are free; "
                            + "free space ('infuse cache list', 'infuse cache prune --unused-for 7d'), choose another --cache "
                            + "folder, or run without the cache (--no-cache; 'cache: false' in a study)",
                    root, texts, needed / (double) (1L << 30), usable / (double) (1L << 30)));
        }
    }

    /** A fill writes every few seconds: one whose files have not changed for this long was interrupted. */
    static final java.time.Duration STALE_FILL = java.time.Duration.ofMinutes(30);

    /**
     * Deletes the temporary folders of fills that were interrupted (a killed process leaves its partial files
     * behind, gigabytes for a large data set): those under {@code root} none of whose files changed for
     * {@code stale}. A fill in progress, in this or another process, keeps writing and is left alone.
     */
    static void removeAbandonedFills(Path root, java.time.Duration stale) {
        try {
            for (ActivationCaches.Entry e : ActivationCaches.prune(root, null, -1, false, stale)) {
                LOG.info("removed an interrupted activation-cache fill: {} ({} MiB)", e.folder().getFileName(), e.bytes() >> 20);
            }
        } catch (RuntimeException e) {
            // a folder that vanished meanwhile (another process cleaned it) or cannot be read: leave it
            LOG.debug("activation cache: could not check {} for interrupted fills: {}", root, e.toString());
        }
    }

    /** Records the cache's last use ({@link ActivationCaches} prunes least recently used first); a read-only cache keeps its time. */
    private static void markUsed(Path folder) {
        try {
            Files.setLastModifiedTime(folder.resolve("cache.json"), java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("activation cache {}: last use not recorded: {}", folder, e.toString());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String key(Backbone backbone, List<TokenizedText> texts, SortedSet<Integer> taps, String extra) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            // The precision is part of the key: a cache filled in one precision is never served to the
            // other (fp32 keeps the key it had before precisions existed, so old caches stay valid).
            // A bf16 cache stores bfloat16 values ("/store-bf16"), so caches filled before that get another key.
            String precision = backbone.precision() == dev.infuse.spi.Precision.FP32 ? ""
                    : "/" + backbone.precision().label() + (Storage.of(backbone) == Storage.BF16 ? "/store-bf16" : "");
            md.update(("infuse-activations/" + FORMAT + "/" + backbone.fingerprint() + precision + "/" + taps + extra)
                    .getBytes(StandardCharsets.UTF_8));
            ByteBuffer bb = ByteBuffer.allocate(8);
            for (TokenizedText t : texts) {
                bb.clear();
                bb.putInt(t.length()).flip();
                md.update(bb);
                for (int k = 0; k < t.length(); k++) {
                    bb.clear();
                    bb.putInt(t.ids()[k]).putInt(t.typeIds()[k]).flip();
                    md.update(bb);
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
