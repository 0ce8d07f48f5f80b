package dev.infuse.backbone.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.spi.InfuseException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * Finds the files of a BERT model folder and reads its weights by name, deriving the sizes from the
 * weights' shapes. Understands a SavedModel folder ({@code variables/variables.index},
 * {@code assets/vocab.txt}, optionally {@code assets/model.json}) and Google's checkpoint folders
 * ({@code bert_model.ckpt.index}, {@code vocab.txt}, {@code bert_config.json}).
 */
final class BertLoader {
    private static final List<String> ROOTS = List.of("bert/", "module/bert/", "");
    private static final String PROBE = "embeddings/LayerNorm/gamma";

    /** Where a model's parts are. {@code config} may be null. */
    record ModelFiles(Path folder, Path checkpointPrefix, Path vocabulary, Path config) {}

    /** Settings read from the model's JSON configuration, each null when absent. */
    record ModelSettings(Integer heads, Boolean lowercase) {}

    private BertLoader() {}

    static ModelFiles locate(Path folder) {
        if (!Files.exists(folder)) {
            throw new InfuseException("backbone-not-found", "BERT model folder " + folder + " does not exist; expected a "
                    + "SavedModel folder (variables/variables.index, assets/vocab.txt) or a checkpoint folder "
                    + "(<name>.index, <name>.data-*, vocab.txt)");
        }
        if (!Files.isDirectory(folder)) {
            throw new InfuseException("backbone-invalid", "BERT model path " + folder + " is a file; expected a folder "
                    + "holding variables/variables.index and assets/vocab.txt (SavedModel) or <name>.index and vocab.txt");
        }
        Path index = findIndex(folder);
        String prefix = index.toString().substring(0, index.toString().length() - ".index".length());
        Path dir = index.getParent();
        String base = index.getFileName().toString().replaceFirst("\\.index$", "");
        boolean hasData;
        try (Stream<Path> files = Files.list(dir)) {
            hasData = files.anyMatch(p -> p.getFileName().toString().startsWith(base + ".data-"));
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot list " + dir + ": " + e, e);
        }
        if (!hasData) {
            throw new InfuseException("backbone-invalid", "checkpoint " + index + " has no data file: expected "
                    + dir.resolve(base + ".data-00000-of-00001") + " beside it");
        }
        Path vocab = firstExisting(folder.resolve("assets/vocab.txt"), folder.resolve("vocab.txt"),
                dir.resolve("vocab.txt"), dir.resolveSibling("assets").resolve("vocab.txt"));
        if (vocab == null) {
            throw new InfuseException("backbone-invalid", "BERT model folder " + folder + " has no vocabulary: expected "
                    + folder.resolve("assets/vocab.txt") + " or " + folder.resolve("vocab.txt"));
        }
        Path config = firstExisting(folder.resolve("bert_config.json"), folder.resolve("config.json"),
                dir.resolve("bert_config.json"), folder.resolve("assets/model.json"));
        return new ModelFiles(folder, Path.of(prefix), vocab, config);
    }

    private static Path findIndex(Path folder) {
        Path saved = folder.resolve("variables/variables.index");
        if (Files.isRegularFile(saved)) {
            return saved;
        }
        List<Path> indexes;
        try (Stream<Path> files = Files.list(folder)) {
            indexes = files.filter(p -> p.getFileName().toString().endsWith(".index")).sorted().toList();
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot list " + folder + ": " + e, e);
        }
        if (indexes.size() == 1) {
            return indexes.get(0);
        }
        if (indexes.isEmpty()) {
            throw new InfuseException("backbone-invalid", "BERT model folder " + folder + " has no weights: expected "
                    + saved + " (SavedModel) or one checkpoint <name>.index in the folder");
        }
        throw new InfuseException("backbone-invalid", "BERT model folder " + folder + " holds several checkpoints "
                + indexes.stream().map(p -> p.getFileName().toString()).toList() + "; point 'path' at a folder with one");
    }

    private static Path firstExisting(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Reads heads and lower-casing from whichever JSON configuration the folder has. */
    static ModelSettings settings(ModelFiles files) {
        if (files.config() == null) {
            return new ModelSettings(null, null);
        }
        try {
            JsonNode json = new ObjectMapper().readTree(files.config().toFile());
            if (json == null || !json.isObject()) {
                throw new InfuseException("backbone-invalid", files.config() + " is not a JSON object");
            }
            Integer heads = null;
            if (json.has("num_attention_heads")) {
                heads = json.get("num_attention_heads").asInt();
            }
            Boolean lower = null;
            for (String key : new String[] {"doLowerCase", "do_lower_case"}) {
                if (lower == null && json.has(key)) {
                    lower = json.get(key).asBoolean();
                }
            }
            return new ModelSettings(heads, lower);
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot read " + files.config() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every BERT weight of the checkpoint.
     *
     * @param heads attention heads, or null to assume 64-dimensional heads
     */
    static BertWeights readWeights(ModelFiles files, Integer heads) {
        CheckpointReader reader = new CheckpointReader(files.checkpointPrefix().toString());
        String root = null;
        for (String r : ROOTS) {
            if (reader.contains(r + PROBE)) {
                root = r;
                break;
            }
        }
        if (root == null) {
            String why;
            try {
                reader.read(List.of("bert/" + PROBE));
                why = "";
            } catch (TensorFlowException e) {
                why = " (" + firstLine(e.getMessage()) + ")";
            }
            throw new InfuseException("backbone-invalid", "checkpoint " + files.checkpointPrefix() + " holds no BERT "
                    + "weights: looked for bert/" + PROBE + " and module/bert/" + PROBE + why);
        }
        String clsRoot = root.endsWith("bert/") ? root.substring(0, root.length() - "bert/".length()) : root;
        int layers = 0;
        while (reader.contains(root + "encoder/layer_" + layers + "/output/LayerNorm/gamma")) {
            layers++;
        }
        if (layers == 0) {
            throw new InfuseException("backbone-invalid", "checkpoint " + files.checkpointPrefix() + " has embeddings "
                    + "but no encoder layers: expected " + root + "encoder/layer_0/...");
        }
        boolean mlm = reader.contains(clsRoot + BertDims.MLM_HEAD.get(BertDims.MLM_HEAD.size() - 1));

        // The sizes come from the shapes; placeholder sizes only produce the list of names.
        List<String> names = new BertDims(layers, 1, 1, 1, 1, 1, 1).weightNames(mlm);
        List<String> stored = new ArrayList<>();
        for (String n : names) {
            stored.add(n.startsWith("cls/") ? clsRoot + n : root + n);
        }
        Map<String, BertWeights.Weight> raw;
        try {
            raw = reader.read(stored);
        } catch (TensorFlowException e) {
            throw new InfuseException("backbone-invalid", "cannot read the BERT weights from checkpoint "
                    + files.checkpointPrefix() + ": " + firstLine(e.getMessage()), e);
        }
        Map<String, BertWeights.Weight> weights = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            weights.put(names.get(i), raw.get(stored.get(i)));
        }
        long[] word = weights.get("embeddings/word_embeddings").shape();
        long[] pos = weights.get("embeddings/position_embeddings").shape();
        long[] type = weights.get("embeddings/token_type_embeddings").shape();
        long[] mid = weights.get("encoder/layer_0/intermediate/dense/kernel").shape();
        if (word.length != 2 || pos.length != 2 || type.length != 2 || mid.length != 2) {
            throw new InfuseException("backbone-invalid", "checkpoint " + files.checkpointPrefix() + ": embedding "
                    + "tables and kernels must be matrices");
        }
        int hidden = (int) word[1];
        int h = heads != null ? heads : Math.max(1, hidden / 64);
        if (h <= 0 || hidden % h != 0) {
            throw new InfuseException("backbone-invalid", files.config() + ": num_attention_heads " + h
                    + " does not divide the hidden size " + hidden);
        }
        try {
            BertDims dims = new BertDims(layers, hidden, h, (int) mid[1], (int) word[0], (int) pos[0], (int) type[0]);
            return new BertWeights(dims, weights);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("backbone-invalid", "checkpoint " + files.checkpointPrefix()
                    + " is not a consistent BERT: " + e.getMessage(), e);
        }
    }

    /**
     * @throws InfuseException {@code backbone-vocab-mismatch} unless the vocabulary has exactly one
     *     line per word-embedding row
     */
    static void checkVocabulary(Path vocabulary, int rows, Path checkpoint) {
        int lines = countLines(vocabulary);
        if (lines != rows) {
            throw new InfuseException("backbone-vocab-mismatch", "vocabulary " + vocabulary + " has " + lines
                    + " tokens but the word embeddings in checkpoint " + checkpoint + " have " + rows
                    + " rows; they must belong to the same model");
        }
    }

    static int countLines(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            while (r.readLine() != null) {
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot read vocabulary " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The weights' fingerprint, cached in {@code cacheDir} under a key made of the checkpoint files'
     * names, sizes and modification times (hashing 440 MB on every run would cost seconds).
     */
    static String cachedFingerprint(ModelFiles files, BertWeights weights, Path cacheDir) {
        Path prefix = files.checkpointPrefix().toAbsolutePath().normalize();
        String key;
        try (Stream<Path> list = Files.list(prefix.getParent())) {
            StringBuilder sb = new StringBuilder(prefix.toString());
            String base = prefix.getFileName().toString() + ".";
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith(base)).sorted().toList()) {
                sb.append('|').append(p.getFileName()).append(':').append(Files.size(p)).append(':')
                        .append(Files.getLastModifiedTime(p).toMillis());
            }
            key = sb.toString();
        } catch (IOException e) {
            return weights.computeFingerprint();
        }
        Path cache = cacheDir.resolve("fingerprints").resolve(sha256(prefix.toString()).substring(0, 32) + ".txt");
        try {
            if (Files.isRegularFile(cache)) {
                List<String> lines = Files.readAllLines(cache, StandardCharsets.UTF_8);
                if (lines.size() >= 2 && lines.get(0).equals(key) && lines.get(1).startsWith(weights.dims().label() + ":sha256:")) {
                    return lines.get(1);
                }
            }
        } catch (IOException e) {
            // unreadable cache: recompute
        }
        String fingerprint = weights.computeFingerprint();
        try {
            Files2.writeAtomically(cache, key + "\n" + fingerprint + "\n");
        } catch (IOException e) {
            // a read-only cache only costs time
        }
        return fingerprint;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
