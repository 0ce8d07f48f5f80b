package dev.infuse.adapter.kilm;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration of the {@code kilm} adapter.
 *
 * @param tokens the five special tokens
 * @param embeddingInitStd std of the truncated-normal initialisation of the token embeddings
 *     (BERT's own initialiser range, as when a vocabulary is resized)
 * @param taps hidden states the side network reads, one bottleneck layer per tap; empty: no side
 *     network (only the token embeddings are trained)
 * @param adapterSize width inside the side network
 * @param adapterLayers transformer layers inside each bottleneck layer (0: a GELU only)
 * @param heads attention heads inside the side network
 * @param intermediateSize feed-forward width inside the side network
 * @param projectionInitStd std of the up-projection initialisation (near zero: starts as the backbone)
 * @param dropout dropout inside the side network while training
 */
public record KilmAdapterConfig(KilmTokens tokens, double embeddingInitStd, List<Integer> taps, int adapterSize,
        int adapterLayers, int heads, int intermediateSize, double projectionInitStd, float dropout) {

    public KilmAdapterConfig {
        taps = List.copyOf(taps);
    }

    /** The keys, types, defaults and meaning; {@code L} is the backbone's layer count. */
    public static List<ParameterSpec> parameterSpecs() {
        return List.of(
                new ParameterSpec("tokens", "string", KilmTokens.DEFAULT.joined(),
                        "the five added tokens <ent>,</ent>,<ent_desc>,</ent_desc>,<sep> (comma-separated)"),
                new ParameterSpec("embedding_init_std", "float", "0.02", "std of the new token embeddings' initialisation"),
                new ParameterSpec("taps", "string", "L",
                        "hidden states the side network reads (comma-separated, 0 = embeddings); 'none': no side network"),
                new ParameterSpec("adapter_size", "int", "256", "width inside the side network"),
                new ParameterSpec("adapter_layers", "int", "1", "transformer layers per side layer (0: a GELU bottleneck)"),
                new ParameterSpec("heads", "int", "4", "attention heads inside the side network"),
                new ParameterSpec("intermediate_size", "int", "1024", "feed-forward width inside the side network"),
                new ParameterSpec("init_std", "float", "1e-3", "std of the up-projection initialisation"),
                new ParameterSpec("dropout", "float", "0.1", "dropout inside the side network while training"));
    }

    /** Reads (and consumes) every key. */
    public static KilmAdapterConfig from(PluginConfig c, int backboneLayers) {
        String owner = "adapter '" + KilmAdapterProvider.NAME + "'";
        KilmTokens tokens = KilmTokens.parse(owner, c.getString("tokens", KilmTokens.DEFAULT.joined()));
        double embStd = c.getDouble("embedding_init_std", 0.02);
        List<Integer> taps = parseTaps(owner, c.getString("taps", String.valueOf(backboneLayers)));
        int size = positive(owner, "adapter_size", c.getInt("adapter_size", 256));
        int layers = c.getInt("adapter_layers", 1);
        if (layers < 0) {
            throw new InfuseException("config-bad-value", owner + ": key 'adapter_layers' has value " + layers
                    + " but expected 0 or more");
        }
        int heads = positive(owner, "heads", c.getInt("heads", 4));
        if (layers > 0 && size % heads != 0) {
            throw new InfuseException("config-bad-value", owner + ": adapter_size " + size
                    + " is not a multiple of heads " + heads);
        }
        int inter = positive(owner, "intermediate_size", c.getInt("intermediate_size", 1024));
        double initStd = c.getDouble("init_std", 1e-3);
        double dropout = c.getDouble("dropout", 0.1);
        if (dropout < 0 || dropout >= 1) {
            throw new InfuseException("config-bad-value", owner + ": key 'dropout' has value " + dropout
                    + " but expected a rate in [0, 1)");
        }
        return new KilmAdapterConfig(tokens, embStd, taps, size, layers, heads, inter, initStd, (float) dropout);
    }

    private static List<Integer> parseTaps(String owner, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        List<Integer> out = new ArrayList<>();
        if (t.isEmpty() || t.equals("none")) {
            return out;
        }
        for (String part : t.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new InfuseException("config-bad-value", owner + ": key 'taps' has value '" + text
                        + "' but expected comma-separated layer numbers such as 12 or 6,12, or 'none'");
            }
        }
        return out;
    }

    private static int positive(String owner, String key, int v) {
        if (v <= 0) {
            throw new InfuseException("config-bad-value", owner + ": key '" + key + "' has value " + v
                    + " but expected a positive integer");
        }
        return v;
    }

    /** The effective configuration as stored in artifacts; {@link #from} reads it back identically. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", tokens.joined());
        m.put("embedding_init_std", embeddingInitStd);
        m.put("taps", taps.isEmpty() ? "none" : String.join(",", taps.stream().map(String::valueOf).toList()));
        m.put("adapter_size", adapterSize);
        m.put("adapter_layers", adapterLayers);
        m.put("heads", heads);
        m.put("intermediate_size", intermediateSize);
        m.put("init_std", projectionInitStd);
        m.put("dropout", (double) dropout);
        return m;
    }
}
