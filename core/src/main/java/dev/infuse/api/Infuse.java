package dev.infuse.api;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Module;
import dev.infuse.internal.plugin.InjectorPluginContext;
import dev.infuse.internal.plugin.PluginModules;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.PluginKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The runtime's entry point: a {@link PluginRegistry}, one Guice injector, and plugin creation with
 * a {@link PluginContext} per plugin.
 *
 * <p>The injector is built from a core module (binding the {@link PluginRegistry} and the
 * {@link InfuseSettings}), any modules the caller adds, and the {@link
 * dev.infuse.spi.InfusePlugin#guiceModule() Guice module} of every discovered plugin whose name is
 * not duplicated. A plugin module that fails to configure, or whose bindings clash, fails
 * {@link Builder#build()} with {@code plugin-guice-module} naming the plugin.
 *
 * <pre>{@code
 * try (Infuse infuse = Infuse.builder().seed(7).build()) {
 *     Backbone bert = infuse.createBackbone("bert", PluginConfig.of("backbone 'bert'", Map.of("path", dir)));
 * }
 * }</pre>
 */
public final class Infuse implements AutoCloseable {
    private final PluginRegistry registry;
    private final boolean ownsRegistry;
    private final InfuseSettings settings;
    private final Injector injector;

    private Infuse(PluginRegistry registry, boolean ownsRegistry, InfuseSettings settings, List<Module> extra) {
        this.registry = registry;
        this.ownsRegistry = ownsRegistry;
        this.settings = settings;
        List<Module> host = new ArrayList<>();
        host.add(new AbstractModule() {
            @Override
            protected void configure() {
                bind(PluginRegistry.class).toInstance(registry);
                bind(InfuseSettings.class).toInstance(settings);
            }
        });
        host.addAll(extra);
        List<PluginModules.Contribution> contributions = new ArrayList<>();
        for (PluginInfo info : registry.plugins()) {
            // Duplicated plugins cannot be looked up, so their modules are not installed either.
            if (!registry.isDuplicate(info.kind(), info.name())) {
                contributions.add(new PluginModules.Contribution(info, registry.forName(info.kind(), info.name())));
            }
        }
        this.injector = PluginModules.createInjector(host, contributions);
    }

    /** A builder: default plugins folder, default cache folder, seed {@value InfuseSettings#DEFAULT_SEED}. */
    public static Builder builder() {
        return new Builder();
    }

    public PluginRegistry registry() {
        return registry;
    }

    public InfuseSettings settings() {
        return settings;
    }

    /** The runtime's injector (host modules plus plugin modules). */
    public Injector injector() {
        return injector;
    }

    /**
     * The context handed to plugin {@code kind}/{@code name}: its cache folder is
     * {@code cacheDirectory/<kind>/<name>}, and {@link PluginContext#service} reads the injector.
     */
    public PluginContext context(PluginKind kind, String name) {
        return new InjectorPluginContext(injector,
                settings.cacheDirectory().resolve(kind.label()).resolve(name), settings.seed(),
                kind.label() + " '" + name + "'");
    }

    /** {@link PluginRegistry#createBackbone} with this runtime's context. */
    public Backbone createBackbone(String name, PluginConfig config) {
        return registry.createBackbone(name, config, context(PluginKind.BACKBONE, name));
    }

    /** {@link PluginRegistry#createAdapter} with this runtime's context. */
    public KnowledgeAdapter createAdapter(String name, PluginConfig config, BackboneSpec backbone) {
        KnowledgeAdapter adapter = registry.createAdapter(name, config, backbone, context(PluginKind.ADAPTER, name));
        // Remember the files it read, so that saving it as an artifact copies them in.
        dev.infuse.internal.artifact.AdapterFiles.remember(adapter,
                dev.infuse.internal.artifact.AdapterFiles.fileKeys(registry.forName(PluginKind.ADAPTER, name).parameters()));
        return adapter;
    }

    /** {@link PluginRegistry#createFusion} with this runtime's context. */
    public Fusion createFusion(String name, PluginConfig config, BackboneSpec backbone, int adapterCount) {
        return registry.createFusion(name, config, backbone, adapterCount, context(PluginKind.FUSION, name));
    }

    /** {@link PluginRegistry#createLayerPlugin} with this runtime's context. */
    public dev.infuse.spi.LayerPlugin createLayerPlugin(String name, PluginConfig config, BackboneSpec backbone) {
        return registry.createLayerPlugin(name, config, backbone, context(PluginKind.LAYER, name));
    }

    /** {@link PluginRegistry#createTask} with this runtime's context. */
    public dev.infuse.spi.Task createTask(String name, PluginConfig options) {
        return registry.createTask(name, options, context(PluginKind.TASK, name));
    }

    /** Closes the registry if this runtime discovered it itself. */
    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }

    /** Configures the runtime. */
    public static final class Builder {
        private PluginRegistry registry;
        private Path pluginsDirectory = PluginRegistry.defaultPluginsDirectory();
        private boolean strict;
        private Path cacheDirectory;
        private long seed = InfuseSettings.DEFAULT_SEED;
        private final List<Module> modules = new ArrayList<>();

        private Builder() {}

        /** Uses an existing registry (which the caller keeps owning) instead of discovering one. */
        public Builder registry(PluginRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The plugins folder when no registry is given; {@code null}: none. */
        public Builder pluginsDirectory(Path directory) {
            this.pluginsDirectory = directory;
            return this;
        }

        /** Strict discovery when no registry is given; see {@link PluginRegistry.Builder#strict}. */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /** Root of plugin cache folders; default {@link InfuseSettings#defaultCacheDirectory()}. */
        public Builder cacheDirectory(Path directory) {
            this.cacheDirectory = directory;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Adds a host Guice module (for example the CLI's bindings). */
        public Builder addModule(Module module) {
            modules.add(Objects.requireNonNull(module, "module"));
            return this;
        }

        /**
         * @throws InfuseException {@code plugin-guice-module} if a plugin's module fails; in strict
         *     mode, any discovery problem
         */
        public Infuse build() {
            boolean owns = registry == null;
            PluginRegistry r = owns
                    ? PluginRegistry.builder().pluginsDirectory(pluginsDirectory).strict(strict).build()
                    : registry;
            InfuseSettings settings = new InfuseSettings(
                    (cacheDirectory == null ? InfuseSettings.defaultCacheDirectory() : cacheDirectory).toAbsolutePath(),
                    seed);
            try {
                return new Infuse(r, owns, settings, modules);
            } catch (RuntimeException e) {
                if (owns) {
                    r.close();
                }
                throw e;
            }
        }
    }
}
