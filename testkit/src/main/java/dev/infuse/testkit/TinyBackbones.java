package dev.infuse.testkit;

import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneProvider;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.InfusePlugin;
import dev.infuse.spi.PluginConfig;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A tiny randomly initialised BERT (the {@code bert-random} backbone: 2 layers, width 32, a small
 * synthetic vocabulary) built in process in milliseconds, found through the SPI like any backbone.
 */
public final class TinyBackbones {
    private TinyBackbones() {}

    /** The default tiny BERT. */
    public static Backbone create() {
        return create(Map.of());
    }

    /** A tiny BERT with other sizes, e.g. {@code Map.of("layers", 3)}. */
    public static Backbone create(Map<String, ?> config) {
        BackboneProvider p = find(BackboneProvider.class, "bert-random");
        PluginConfig c = PluginConfig.of("backbone 'bert-random'", config);
        Backbone b = p.create(c, TestContext.shared());
        c.requireAllConsumed();
        return b;
    }

    /** A built-in fusion by name ({@code add}, {@code concat}, {@code attention}). */
    public static FusionProvider fusion(String name) {
        return find(FusionProvider.class, name);
    }

    static <T extends InfusePlugin> T find(Class<T> type, String name) {
        return ServiceLoader.load(type).stream().map(ServiceLoader.Provider::get).filter(p -> p.name().equals(name))
                .findFirst().orElseThrow(() -> new IllegalStateException(type.getSimpleName() + " '" + name
                        + "' is not on the class path"));
    }
}
