package dev.infuse.nn;

import dev.infuse.spi.PluginConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes of a K-Adapter side network. Defaults follow the paper (adapter width 768, two transformer
 * layers per adapter layer, 12 heads, feed-forward 3072, projections initialised with std 2e-4),
 * with taps scaled from RoBERTa-large's {@code 0, 11, 23} to BERT-base's {@code 0, 6, 11}.
 *
 * @param taps backbone hidden states read, one adapter layer per tap
 * @param adapterSize width inside the adapter
 * @param transformerLayers transformer layers inside each adapter layer
 * @param heads attention heads inside the adapter
 * @param intermediateSize feed-forward width inside the adapter
 * @param projectionInitStd std of the down/up projection initialisation
 * @param dropout dropout inside the adapter while training
 */
public record SideAdapterConfig(List<Integer> taps, int adapterSize, int transformerLayers, int heads,
        int intermediateSize, double projectionInitStd, float dropout) {

    public SideAdapterConfig {
        taps = List.copyOf(taps);
        if (taps.isEmpty()) {
            throw new IllegalArgumentException("a side adapter needs at least one tap");
        }
    }

    /** Default taps for a backbone with {@code layers} transformer layers: first, middle, last. */
    public static List<Integer> defaultTaps(int layers) {
        return layers <= 2 ? List.of(0, layers) : List.of(0, layers / 2, layers - 1);
    }

    /** Reads (and consumes) the standard keys: taps, adapter_size, adapter_layers, heads, intermediate_size, init_std, dropout. */
    public static SideAdapterConfig from(PluginConfig config, int backboneLayers) {
        return new SideAdapterConfig(
                config.getIntList("taps", defaultTaps(backboneLayers)),
                config.getInt("adapter_size", 768),
                config.getInt("adapter_layers", 2),
                config.getInt("heads", 12),
                config.getInt("intermediate_size", 3072),
                config.getDouble("init_std", 2e-4),
                (float) config.getDouble("dropout", 0.1));
    }

    /** The parameter table the standard keys correspond to, for {@code InfusePlugin.parameters()}. */
    public static List<dev.infuse.spi.ParameterSpec> parameterSpecs() {
        return List.of(
                new dev.infuse.spi.ParameterSpec("taps", "int-list", "0,L/2,L-1", "backbone hidden states read (0 = embeddings)"),
                new dev.infuse.spi.ParameterSpec("adapter_size", "int", "768", "width inside the adapter"),
                new dev.infuse.spi.ParameterSpec("adapter_layers", "int", "2", "transformer layers per adapter layer"),
                new dev.infuse.spi.ParameterSpec("heads", "int", "12", "attention heads inside the adapter"),
                new dev.infuse.spi.ParameterSpec("intermediate_size", "int", "3072", "feed-forward width inside the adapter"),
                new dev.infuse.spi.ParameterSpec("init_std", "float", "2e-4", "std of the projection initialisation"),
                new dev.infuse.spi.ParameterSpec("dropout", "float", "0.1", "dropout inside the adapter while training"));
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taps", taps);
        m.put("adapter_size", adapterSize);
        m.put("adapter_layers", transformerLayers);
        m.put("heads", heads);
        m.put("intermediate_size", intermediateSize);
        m.put("init_std", projectionInitStd);
        m.put("dropout", (double) dropout);
        return m;
    }
}
