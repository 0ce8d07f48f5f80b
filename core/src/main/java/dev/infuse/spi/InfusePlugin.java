package dev.infuse.spi;

import java.util.List;
import java.util.Optional;

/**
 * What every provider has in common. Providers are light: {@link java.util.ServiceLoader}
 * instantiates them through a public no-argument constructor during discovery, so they must not
 * load models, native libraries or data until {@code create(...)} is called.
 *
 * <h2>Checklist for a plugin jar</h2>
 * <ol>
 *   <li>Implement one of {@link BackboneProvider}, {@link AdapterProvider}, {@link FusionProvider}.</li>
 *   <li>Return a unique {@linkplain #name() name}: lower case, {@code [a-z][a-z0-9-]{0,39}}.
 *       Two providers of one kind with the same name are an error, never "first wins".</li>
 *   <li>Return {@link Spi#VERSION} from {@link #requestedSpiVersion()} (write the constant, do not
 *       compute it: the compiler inlines the value you built against).</li>
 *   <li>Declare the provider twice: {@code provides dev.infuse.spi.AdapterProvider with ...} in
 *       {@code module-info.java} <em>and</em> a line in
 *       {@code META-INF/services/dev.infuse.spi.AdapterProvider}, so it is found on the module path
 *       and on the class path alike.</li>
 *   <li>Describe every configuration key in {@link #parameters()}; read them through
 *       {@link PluginConfig}, which rejects unknown keys.</li>
 * </ol>
 */
public interface InfusePlugin {

    /** The name users and artifacts refer to this provider by; stable across releases. */
    String name();

    /** The plugin's own version, written into every artifact it produces. */
    String version();

    /**
     * The SPI version this plugin was compiled against. Implement it as {@code return Spi.VERSION;}.
     * Deliberately not a default method: a default would report the host's version, not yours.
     */
    String requestedSpiVersion();

    /** One line for {@code infuse plugins}. */
    default String description() {
        return "";
    }

    /** The configuration keys {@code create(...)} understands, with types, defaults and meaning. */
    default List<ParameterSpec> parameters() {
        return List.of();
    }

    /**
     * An optional Guice module that binds services this plugin offers to the runtime or to other
     * code in the same jar. The host installs every discovered module into one injector, so bind
     * only keys you own (annotate them with your plugin name). Plugins that do not use Guice return
     * empty, which is the default: the SPI does not force Guice on anyone.
     */
    default Optional<com.google.inject.Module> guiceModule() {
        return Optional.empty();
    }
}
