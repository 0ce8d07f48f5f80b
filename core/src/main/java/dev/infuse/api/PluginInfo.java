package dev.infuse.api;

import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginKind;
import java.util.List;
import java.util.Objects;

/**
 * What the registry knows about one discovered provider, for listings ({@code infuse plugins}),
 * messages and provenance.
 *
 * @param kind which SPI it implements
 * @param name its checked name
 * @param version the plugin's own version
 * @param requestedSpiVersion the SPI version it was built against
 * @param description its one-line description (may be empty)
 * @param origin where it came from: a jar or class folder path, or {@code module <name>} for a
 *     named module on the module path
 * @param providerClass the provider's class name (for messages only; artifacts store names)
 * @param parameters the configuration keys it understands
 */
public record PluginInfo(PluginKind kind, String name, String version, String requestedSpiVersion,
        String description, String origin, String providerClass, List<ParameterSpec> parameters) {

    public PluginInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(requestedSpiVersion, "requestedSpiVersion");
        description = description == null ? "" : description;
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(providerClass, "providerClass");
        parameters = List.copyOf(parameters);
    }

    /**
     * Where a class was loaded from, in the form of {@link #origin()}: for listings of built-in
     * components that are not plugins (e.g. tasks) next to the plugins.
     */
    public static String originOf(Class<?> c) {
        return dev.infuse.internal.plugin.ProviderScanner.originOf(c);
    }

    /** {@code adapter 'factual' 1.0.0 from /path/x.jar}: how messages refer to this plugin. */
    public String describe() {
        return kind.label() + " '" + name + "' " + version + " from " + origin;
    }
}
