package dev.infuse.api;

import dev.infuse.internal.plugin.ContextClassLoader;
import dev.infuse.internal.plugin.PluginClassLoader;
import dev.infuse.internal.plugin.PluginFolder;
import dev.infuse.internal.plugin.ProviderScanner;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InfusePlugin;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.SpiVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every plugin this process can use, found once and looked up by name (Lucene's
 * {@code Codec.forName}).
 *
 * <h2>Where plugins come from</h2>
 * <ul>
 *   <li>The host: {@link java.util.ServiceLoader} over the host class loader finds providers in
 *       named modules on the module path ({@code provides ... with ...}) and in jars on the class
 *       path ({@code META-INF/services}). Their origin is {@code module <name>} or the jar path.</li>
 *   <li>The plugins folder ({@link Builder#pluginsDirectory(Path)}, by default
 *       {@link #defaultPluginsDirectory()}): each {@code *.jar} directly inside, and each
 *       sub-folder (a plugin jar plus its own dependency jars), is loaded by its own class loader.
 *       That loader shares only {@link PluginClassLoader#SHARED_PACKAGES} with the host and loads
 *       everything else from the plugin's own jars first, so plugins may bundle their own versions
 *       of libraries. A missing folder means no folder plugins.</li>
 * </ul>
 *
 * <h2>Checks</h2>
 * Each provider is checked when discovered; a failing provider is skipped, recorded as a
 * {@link PluginProblem} (see {@link #problems()}) and logged once, and the others still load:
 * SPI handshake ({@link SpiVersion#accepts}: another major or a newer minor is refused,
 * {@code plugin-spi-version}), name syntax ({@code plugin-bad-name}), a class that cannot be loaded
 * or instantiated ({@code plugin-load-failed}), files in the folder that are not jars
 * ({@code plugin-not-a-jar}, {@code plugin-bad-jar}, {@code plugin-bad-folder}).
 *
 * <h2>Duplicates</h2>
 * Two providers of one kind with one name are never resolved by class-path order. Both stay
 * listed in {@link #plugins()}, a {@code plugin-duplicate} problem names both origins, and
 * {@link #forName} of that name throws it. In {@linkplain Builder#strict(boolean) strict mode}
 * {@link Builder#build()} fails instead on any problem, duplicates included.
 *
 * <p>A registry owns the class loaders of folder plugins; {@link #close()} releases their jars.
 * Instances are immutable and safe to share between threads.
 */
public final class PluginRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

    private final Map<PluginKind, TreeMap<String, List<ProviderScanner.Found>>> byName;
    private final Map<PluginKind, Map<String, PluginProblem>> refused;
    private final Map<PluginKind, Map<String, PluginProblem>> duplicates;
    private final List<PluginProblem> problems;
    private final List<PluginClassLoader> loaders;
    private final Path pluginsDirectory;

    private PluginRegistry(List<ProviderScanner.Found> found, List<ProviderScanner.Refused> refusedList,
            List<PluginProblem> problemList, List<PluginClassLoader> loaders, Path pluginsDirectory) {
        this.byName = new EnumMap<>(PluginKind.class);
        this.refused = new EnumMap<>(PluginKind.class);
        this.duplicates = new EnumMap<>(PluginKind.class);
        for (PluginKind kind : PluginKind.values()) {
            byName.put(kind, new TreeMap<>());
            refused.put(kind, new TreeMap<>());
            duplicates.put(kind, new TreeMap<>());
        }
        List<ProviderScanner.Found> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparing((ProviderScanner.Found f) -> f.info().origin()));
        for (ProviderScanner.Found f : sorted) {
            byName.get(f.info().kind()).computeIfAbsent(f.info().name(), n -> new ArrayList<>()).add(f);
        }
        for (ProviderScanner.Refused r : refusedList) {
            refused.get(r.kind()).putIfAbsent(r.name(), r.problem());
        }
        List<PluginProblem> all = new ArrayList<>(problemList);
        for (PluginKind kind : PluginKind.values()) {
            for (Map.Entry<String, List<ProviderScanner.Found>> e : byName.get(kind).entrySet()) {
                if (e.getValue().size() > 1) {
                    PluginProblem p = duplicateProblem(kind, e.getKey(), e.getValue());
                    duplicates.get(kind).put(e.getKey(), p);
                    all.add(p);
                }
            }
        }
        this.problems = List.copyOf(all);
        this.loaders = List.copyOf(loaders);
        this.pluginsDirectory = pluginsDirectory;
    }

    private static PluginProblem duplicateProblem(PluginKind kind, String name, List<ProviderScanner.Found> all) {
        String each = all.stream()
                .map(f -> f.info().origin() + " (" + f.info().providerClass() + " " + f.info().version() + ")")
                .collect(Collectors.joining(" and "));
        return new PluginProblem("plugin-duplicate", all.get(0).info().origin(), kind.label() + " '" + name
                + "' is provided " + all.size() + " times: by " + each + "; remove all but one of them (a choice"
                + " between providers is never made by class-path order)");
    }

    /** A builder with the defaults: host class loader, {@link #defaultPluginsDirectory()}, lenient. */
    public static Builder builder() {
        return new Builder();
    }

    /** The registry of {@link #builder()}'s defaults. */
    public static PluginRegistry discover() {
        return builder().build();
    }

    /**
     * The default plugins folder: {@code $INFUSE_HOME/plugins} if the environment variable
     * {@code INFUSE_HOME} is set, otherwise {@code ~/.infuse/plugins}.
     */
    public static Path defaultPluginsDirectory() {
        return infuseHome(System.getenv("INFUSE_HOME"), System.getProperty("user.home")).resolve("plugins");
    }

    /** {@code infuseHome} if set and not blank, otherwise {@code userHome/.infuse}. */
    static Path infuseHome(String infuseHome, String userHome) {
        return infuseHome != null && !infuseHome.isBlank() ? Path.of(infuseHome) : Path.of(userHome, ".infuse");
    }

    /**
     * The provider of {@code kind} named {@code name}.
     *
     * @throws InfuseException {@code plugin-not-found} listing the available names and suggesting
     *     the closest; {@code plugin-duplicate} if several providers have that name; or the code of
     *     the problem for which a provider of that name was refused (e.g. {@code plugin-spi-version})
     */
    public InfusePlugin forName(PluginKind kind, String name) {
        return found(kind, name).provider();
    }

    /** What is known about the provider of {@code kind} named {@code name}; fails as {@link #forName}. */
    public PluginInfo info(PluginKind kind, String name) {
        return found(kind, name).info();
    }

    private ProviderScanner.Found found(PluginKind kind, String name) {
        Objects.requireNonNull(kind, "kind");
        List<ProviderScanner.Found> all = name == null ? null : byName.get(kind).get(name);
        if (all == null) {
            PluginProblem why = name == null ? null : refused.get(kind).get(name);
            if (why != null) {
                throw new InfuseException(why.code(), kind.label() + " '" + name + "' is installed but was refused: "
                        + why.message());
            }
            throw notFound(kind, name);
        }
        if (all.size() > 1) {
            throw duplicates.get(kind).get(name).toException();
        }
        return all.get(0);
    }

    private InfuseException notFound(PluginKind kind, String name) {
        List<String> names = available(kind);
        String hint = name == null ? null : PluginConfig.closest(name, names);
        String where = pluginsDirectory == null ? "" : " (plugins folder: " + pluginsDirectory + ")";
        String message = "no " + kind.label() + " named '" + name + "'"
                + (hint == null ? "" : "; did you mean '" + hint + "'?")
                + (names.isEmpty()
                        ? "; no " + kind.label() + " plugins are installed" + where
                        : "; available " + kind.label() + "s: " + String.join(", ", names));
        return new InfuseException("plugin-not-found", message);
    }

    /** Whether several providers of {@code kind} have {@code name}. */
    boolean isDuplicate(PluginKind kind, String name) {
        return duplicates.get(kind).containsKey(name);
    }

    /** The names of {@code kind}'s providers, sorted; a duplicated name is listed once. */
    public List<String> available(PluginKind kind) {
        return List.copyOf(byName.get(kind).keySet());
    }

    /** The backbone provider named {@code name}; fails as {@link #forName}. */
    public BackboneProvider backbone(String name) {
        return (BackboneProvider) forName(PluginKind.BACKBONE, name);
    }

    /** The adapter provider named {@code name}; fails as {@link #forName}. */
    public AdapterProvider adapter(String name) {
        return (AdapterProvider) forName(PluginKind.ADAPTER, name);
    }

    /** The fusion provider named {@code name}; fails as {@link #forName}. */
    public FusionProvider fusion(String name) {
        return (FusionProvider) forName(PluginKind.FUSION, name);
    }

    /** Every accepted provider (duplicates included), by kind, name and origin. */
    public List<PluginInfo> plugins() {
        List<PluginInfo> all = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            byName.get(kind).values().forEach(list -> list.forEach(f -> all.add(f.info())));
        }
        return Collections.unmodifiableList(all);
    }

    /** Every problem found during discovery, in the order found (duplicates last). */
    public List<PluginProblem> problems() {
        return problems;
    }

    /** The plugins folder that was scanned, or null if none was. */
    public Path pluginsDirectory() {
        return pluginsDirectory;
    }

    // ---- creating plugin objects ----

    /**
     * Creates a backbone: runs the provider's {@code create} with the plugin's class loader as
     * context loader, then checks that every configuration key was read.
     *
     * @param config consumed by the call; afterwards its {@link PluginConfig#effective()} holds the
     *     values used, for provenance
     * @throws InfuseException the plugin's own {@code InfuseException}; {@code config-unknown-key}
     *     for a key nobody read; {@code plugin-failed} for any other failure in plugin code
     */
    public Backbone createBackbone(String name, PluginConfig config, PluginContext context) {
        return create(PluginKind.BACKBONE, name, config, p -> ((BackboneProvider) p).create(config, context));
    }

    /** Creates a knowledge adapter; see {@link #createBackbone} for the rules. */
    public KnowledgeAdapter createAdapter(String name, PluginConfig config, BackboneSpec backbone,
            PluginContext context) {
        return create(PluginKind.ADAPTER, name, config, p -> ((AdapterProvider) p).create(config, backbone, context));
    }

    /** Creates a fusion; see {@link #createBackbone} for the rules. */
    public Fusion createFusion(String name, PluginConfig config, BackboneSpec backbone, int adapterCount,
            PluginContext context) {
        return create(PluginKind.FUSION, name, config,
                p -> ((FusionProvider) p).create(config, backbone, adapterCount, context));
    }

    /** Creates a task; see {@link #createBackbone} for the rules. */
    public dev.infuse.spi.Task createTask(String name, PluginConfig options, PluginContext context) {
        return create(PluginKind.TASK, name, options, p -> ((dev.infuse.spi.TaskProvider) p).create(options, context));
    }

    /** Creates an in-layer plug-in; see {@link #createBackbone} for the rules. */
    public dev.infuse.spi.LayerPlugin createLayerPlugin(String name, PluginConfig config, BackboneSpec backbone,
            PluginContext context) {
        return create(PluginKind.LAYER, name, config,
                p -> ((dev.infuse.spi.LayerPluginProvider) p).create(config, backbone, context));
    }

    private <T> T create(PluginKind kind, String name, PluginConfig config, Function<InfusePlugin, T> call) {
        ProviderScanner.Found found = found(kind, name);
        PluginInfo info = found.info();
        String who = "plugin '" + info.name() + "' (" + info.origin() + ")";
        T created;
        try {
            created = callAsPlugin(found.provider(), () -> call.apply(found.provider()));
        } catch (InfuseException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new InfuseException("plugin-failed", who + " failed in create: " + message(e), e);
        }
        if (created == null) {
            throw new InfuseException("plugin-failed", who + " failed in create: it returned null");
        }
        try {
            config.requireAllConsumed();
        } catch (InfuseException e) {
            closeQuietly(created);
            throw e;
        }
        return created;
    }

    private static String message(Throwable e) {
        String base = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return e instanceof LinkageError
                ? base + " (" + e.getClass().getSimpleName() + ": the plugin may lack a dependency jar)"
                : base;
    }

    private static void closeQuietly(Object created) {
        if (created instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing a rejected plugin object failed", e);
            }
        }
    }

    /**
     * Runs {@code action} with the thread context class loader set to the loader of
     * {@code pluginObject}'s class (a provider or anything it created), as plugin code expects
     * when it looks up resources or services of its own libraries.
     */
    public static <T> T callAsPlugin(Object pluginObject, Supplier<T> action) {
        return ContextClassLoader.callAs(pluginObject, action);
    }

    /** {@link #callAsPlugin} for actions without a result. */
    public static void runAsPlugin(Object pluginObject, Runnable action) {
        ContextClassLoader.callAs(pluginObject, () -> {
            action.run();
            return null;
        });
    }

    /** Closes the class loaders of folder plugins; their classes must not be used afterwards. */
    @Override
    public void close() {
        for (PluginClassLoader loader : loaders) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.debug("closing plugin class loader {} failed", loader, e);
            }
        }
    }

    /** Configures discovery. */
    public static final class Builder {
        private ClassLoader hostLoader = PluginRegistry.class.getClassLoader();
        private boolean scanHost = true;
        private Path pluginsDirectory = defaultPluginsDirectory();
        private boolean strict;

        private Builder() {}

        /** The loader whose modules and class path are searched, and which shares the SPI with plugins. */
        public Builder hostClassLoader(ClassLoader loader) {
            this.hostLoader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /** Whether to discover providers through the host loader (default true); false: folder only. */
        public Builder scanHost(boolean scan) {
            this.scanHost = scan;
            return this;
        }

        /** The plugins folder to read; {@code null} reads none. Default: {@link #defaultPluginsDirectory()}. */
        public Builder pluginsDirectory(Path directory) {
            this.pluginsDirectory = directory;
            return this;
        }

        /** Reads no plugins folder. */
        public Builder withoutPluginsDirectory() {
            return pluginsDirectory(null);
        }

        /**
         * Strict mode: {@link #build()} fails on any problem (duplicate, refused or broken plugin,
         * stray file) instead of recording it. Meant for CI and conformance runs.
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Discovers the plugins.
         *
         * @throws InfuseException in strict mode, with the first problem's code and every problem's
         *     message
         */
        public PluginRegistry build() {
            List<PluginProblem> problems = new ArrayList<>();
            ProviderScanner scanner = new ProviderScanner(SpiVersion.current(), problems);
            if (scanHost) {
                for (PluginKind kind : PluginKind.values()) {
                    scanner.scan(kind, hostLoader, c -> true, "the host class path");
                }
            }
            List<PluginClassLoader> loaders = new ArrayList<>();
            Path folder = pluginsDirectory == null ? null : pluginsDirectory.toAbsolutePath();
            if (folder != null) {
                for (PluginFolder.Entry entry : PluginFolder.scan(folder, hostLoader, problems)) {
                    loaders.add(entry.loader());
                    for (PluginKind kind : PluginKind.values()) {
                        // Only classes this loader defined: providers visible through delegation are
                        // the host's and were found above.
                        scanner.scan(kind, entry.loader(), c -> c.getClassLoader() == entry.loader(),
                                entry.loader().origin());
                    }
                }
            }
            PluginRegistry registry = new PluginRegistry(scanner.found(), scanner.refused(), problems, loaders, folder);
            Map<String, Boolean> logged = new LinkedHashMap<>();
            for (PluginProblem p : registry.problems()) {
                if (logged.putIfAbsent(p.toString(), true) == null) {
                    LOG.warn("{}", p);
                }
            }
            if (strict && !registry.problems().isEmpty()) {
                registry.close();
                PluginProblem first = registry.problems().get(0);
                throw new InfuseException(first.code(), registry.problems().size() + " plugin problem(s) in strict mode: "
                        + registry.problems().stream().map(PluginProblem::toString).collect(Collectors.joining("; ")));
            }
            LOG.debug("discovered {} plugin(s)", registry.plugins().size());
            return registry;
        }
    }
}
