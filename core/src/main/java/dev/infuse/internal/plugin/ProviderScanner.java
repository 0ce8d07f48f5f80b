package dev.infuse.internal.plugin;

import dev.infuse.api.PluginInfo;
import dev.infuse.api.PluginProblem;
import dev.infuse.spi.InfusePlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.SpiVersion;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Spliterator;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Runs {@link ServiceLoader} for one kind and one class loader and checks every provider it finds:
 * the SPI handshake first, then the name and version. A provider that fails to load, to instantiate
 * or to answer is reported and skipped; the others still load (SLF4J's rule).
 */
public final class ProviderScanner {
    /** The name every provider must have. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    /** Guards against a loader whose iterator never recovers from an error. */
    private static final int MAX_ERRORS = 1000;

    /** A provider that passed every check. */
    public record Found(PluginInfo info, InfusePlugin provider) {}

    /** A provider refused after its name was known; lookups of that name report the reason. */
    public record Refused(PluginKind kind, String name, PluginProblem problem) {}

    private final SpiVersion host;
    private final List<Found> found = new ArrayList<>();
    private final List<Refused> refused = new ArrayList<>();
    private final List<PluginProblem> problems;

    /**
     * @param host the SPI version this host provides
     * @param problems where problems are appended
     */
    public ProviderScanner(SpiVersion host, List<PluginProblem> problems) {
        this.host = host;
        this.problems = problems;
    }

    public List<Found> found() {
        return found;
    }

    public List<Refused> refused() {
        return refused;
    }

    /**
     * Discovers providers of {@code kind} visible through {@code loader}.
     *
     * @param accept which provider classes to keep, checked before instantiation (a plugin loader
     *     keeps only classes it defined itself, so host providers are not found twice)
     * @param loaderOrigin names the loader in messages about classes that could not even be loaded
     */
    public void scan(PluginKind kind, ClassLoader loader, Predicate<Class<?>> accept, String loaderOrigin) {
        scanTyped(kind, kind.providerType(), loader, accept, loaderOrigin);
    }

    private <S extends InfusePlugin> void scanTyped(PluginKind kind, Class<S> type, ClassLoader loader,
            Predicate<Class<?>> accept, String loaderOrigin) {
        ServiceLoader<S> serviceLoader = ServiceLoader.load(type, loader);
        // A raw spliterator, not a stream: after an error the next tryAdvance moves on to the next
        // provider, whereas a stream pipeline would stop at the first broken entry.
        Spliterator<ServiceLoader.Provider<S>> providers = serviceLoader.stream().spliterator();
        int errors = 0;
        while (true) {
            List<ServiceLoader.Provider<S>> next = new ArrayList<>(1);
            try {
                if (!providers.tryAdvance(next::add)) {
                    return;
                }
            } catch (ServiceConfigurationError | LinkageError e) {
                problems.add(new PluginProblem("plugin-load-failed", loaderOrigin, (kind == PluginKind.ADAPTER ? "an " : "a ") + kind.label()
                        + " provider from " + loaderOrigin + " cannot be loaded and is skipped: " + describe(e)
                        + "; check the class names in META-INF/services/" + type.getName()
                        + " and that the plugin bundles all its dependencies"));
                if (++errors >= MAX_ERRORS) {
                    return;
                }
                continue;
            }
            ServiceLoader.Provider<S> provider = next.get(0);
            Class<? extends S> providerClass = provider.type();
            if (accept.test(providerClass)) {
                check(kind, providerClass, provider);
            }
        }
    }

    private void check(PluginKind kind, Class<?> providerClass, Supplier<? extends InfusePlugin> factory) {
        String origin = originOf(providerClass);
        String className = providerClass.getName();
        ClassLoader pluginLoader = providerClass.getClassLoader();
        InfusePlugin plugin;
        try {
            plugin = ContextClassLoader.call(pluginLoader, factory);
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            problems.add(new PluginProblem("plugin-load-failed", origin, "cannot create " + kind.label()
                    + " provider " + className + " from " + origin + ", so it is skipped: " + describe(e)
                    + "; a provider needs a public no-argument constructor that does no heavy work"));
            return;
        }
        String name;
        String version;
        String requested;
        String description;
        List<ParameterSpec> parameters;
        String step = "name()";
        try {
            name = ContextClassLoader.call(pluginLoader, plugin::name);
            step = "version()";
            version = ContextClassLoader.call(pluginLoader, plugin::version);
            step = "requestedSpiVersion()";
            requested = ContextClassLoader.call(pluginLoader, plugin::requestedSpiVersion);
            step = "description()";
            description = ContextClassLoader.call(pluginLoader, plugin::description);
            step = "parameters()";
            parameters = List.copyOf(ContextClassLoader.call(pluginLoader, plugin::parameters));
        } catch (RuntimeException | LinkageError e) {
            problems.add(new PluginProblem("plugin-load-failed", origin, kind.label() + " provider " + className
                    + " from " + origin + " failed in " + step + " and is skipped: " + describe(e)));
            return;
        }
        String who = "plugin '" + name + "' " + version + " from " + origin;

        // The SPI handshake comes first: nothing else about a plugin built for another SPI is trusted.
        SpiVersion wanted;
        try {
            wanted = SpiVersion.parse(requested);
        } catch (IllegalArgumentException e) {
            refuse(kind, name, new PluginProblem("plugin-spi-version", origin, who + " requests Infuse SPI '"
                    + requested + "', which is not a version (expected major.minor); return Spi.VERSION from "
                    + className + ".requestedSpiVersion()"));
            return;
        }
        if (!host.accepts(wanted)) {
            String fix = wanted.major() != host.major()
                    ? "rebuild it against SPI " + host.major() + ".x"
                    : "rebuild it against SPI " + host + " or older, or use an Infuse release that provides SPI "
                            + wanted;
            refuse(kind, name, new PluginProblem("plugin-spi-version", origin, who + " was built for Infuse SPI "
                    + wanted + " but this host provides " + host + "; " + fix));
            return;
        }
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new PluginProblem("plugin-bad-name", origin, kind.label() + " provider " + className
                    + " from " + origin + " has the name '" + name + "', which is not valid: a name is a lower-case"
                    + " letter followed by at most 39 lower-case letters, digits or hyphens ([a-z][a-z0-9-]{0,39})"));
            return;
        }
        if (version == null || version.isBlank()) {
            refuse(kind, name, new PluginProblem("plugin-bad-version", origin, kind.label() + " provider '"
                    + name + "' (" + className + ") from " + origin + " returns no version from version();"
                    + " return the plugin's release version, e.g. 1.0.0"));
            return;
        }
        found.add(new Found(new PluginInfo(kind, name, version, requested, description, origin, className,
                parameters), plugin));
    }

    private void refuse(PluginKind kind, String name, PluginProblem problem) {
        problems.add(problem);
        if (name != null) {
            refused.add(new Refused(kind, name, problem));
        }
    }

    /** Where a class was loaded from: {@code module <name>}, or its jar or class folder. */
    public static String originOf(Class<?> c) {
        Module module = c.getModule();
        if (module.isNamed()) {
            return "module " + module.getName();
        }
        CodeSource source = c.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                return Path.of(source.getLocation().toURI()).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                return source.getLocation().toString();
            }
        }
        if (c.getClassLoader() instanceof PluginClassLoader p) {
            return p.origin();
        }
        return "class " + c.getName();
    }

    /** A throwable as one line: its message and the deepest cause's. */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (root != e) {
            text += " (caused by " + root.getClass().getName() + ": " + root.getMessage() + ")";
        }
        return text;
    }
}
