package dev.infuse.backbone.bert;

import dev.infuse.nn.Initializers;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Initializer;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The {@code bert-random} backbone: BERT's architecture at a tiny size with seeded random weights
 * (truncated normal, standard deviation 0.02; layer-norm gains one, biases zero) and a synthetic
 * vocabulary written to the cache folder. Builds and runs in milliseconds, so tests anywhere in the
 * project can use a real transformer.
 */
public final class RandomBertProvider implements BackboneProvider {
    /** The provider name. */
    public static final String NAME = "bert-random";

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
        return "tiny BERT with seeded random weights and a synthetic vocabulary, for tests";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                new ParameterSpec("layers", "int", "2", "transformer layers"),
                new ParameterSpec("hidden", "int", "32", "hidden size"),
                new ParameterSpec("heads", "int", "2", "attention heads (must divide hidden)"),
                new ParameterSpec("intermediate", "int", "64", "feed-forward size"),
                new ParameterSpec("max_positions", "int", "64", "longest sequence"),
                new ParameterSpec("seed", "int", "0", "seed of the weights (independent of the run seed, so the "
                        + "fingerprint is stable)"),
                new ParameterSpec("dropout", "float", "0.1", "rate of the dropout inside the encoder, active only in training runs "
                        + "that switch backbone dropout on"),
                new ParameterSpec("cache_dir", "string", "the plugin cache folder", "where the vocabulary is written"),
                BertProvider.precisionParameter("fp32"));
    }

    @Override
    public Backbone create(PluginConfig config, PluginContext context) {
        int layers = positive(config, "layers", 2);
        int hidden = positive(config, "hidden", 32);
        int heads = positive(config, "heads", 2);
        int intermediate = positive(config, "intermediate", 64);
        int positions = positive(config, "max_positions", 64);
        long seed = config.getInt("seed", 0);
        float dropout = BertProvider.readDropout(config, NAME);
        // fp32 by default: a test backbone gives the same numbers on every machine.
        dev.infuse.spi.Precision precision = BertProvider.readPrecision(config, NAME, "fp32",
                dev.infuse.spi.Precision.Machine.current());
        String cache = config.getString("cache_dir", "");
        if (hidden % heads != 0) {
            throw new InfuseException("config-bad-value", "backbone 'bert-random': hidden size " + hidden
                    + " is not a multiple of heads " + heads);
        }
        Path cacheDir = cache.isBlank() ? context.cacheDirectory() : Path.of(cache);
        Path vocabulary = SyntheticVocabulary.write(cacheDir);
        BertDims dims = new BertDims(layers, hidden, heads, intermediate, SyntheticVocabulary.tokens().size(),
                positions, 2);
        BertWeights weights = randomWeights(dims, seed);
        return new BertBackbone(NAME, weights, dropout, vocabulary, true, BertWeights::computeFingerprint, precision);
    }

    /** BERT's initialisation: matrices truncated normal (0.02), {@code gamma} ones, biases and {@code beta} zeros. */
    static BertWeights randomWeights(BertDims dims, long seed) {
        Map<String, BertWeights.Weight> w = new LinkedHashMap<>();
        for (String name : dims.weightNames(true)) {
            long[] shape = dims.shapeOf(name);
            Initializer init = shape.length == 2 ? Initializers.truncatedNormal(0.02)
                    : name.endsWith("gamma") ? Initializers.ones() : Initializers.zeros();
            w.put(name, new BertWeights.Weight(shape, init.values(shape, random(seed, name))));
        }
        return new BertWeights(dims, w);
    }

    private static SplittableRandom random(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    private static int positive(PluginConfig config, String key, int defaultValue) {
        int v = config.getInt(key, defaultValue);
        if (v <= 0) {
            throw new InfuseException("config-bad-value", "backbone 'bert-random': key '" + key + "' has value " + v
                    + " but expected a positive integer");
        }
        return v;
    }

    /**
     * A tiny random BERT outside the runtime (tests): the default sizes, or others given as
     * configuration keys ({@code layers}, {@code hidden}, ...).
     *
     * @param cacheDir where the synthetic vocabulary is written
     */
    public static BertBackbone create(Path cacheDir, Map<String, ?> config) {
        PluginConfig c = PluginConfig.of("backbone 'bert-random'", config);
        Backbone b = new RandomBertProvider().create(c, new StandaloneContext(cacheDir, 0L));
        c.requireAllConsumed();
        return (BertBackbone) b;
    }

    /** A tiny random BERT with the default sizes (2 layers, hidden 32, 2 heads). */
    public static BertBackbone create(Path cacheDir) {
        return create(cacheDir, Map.of());
    }
}
