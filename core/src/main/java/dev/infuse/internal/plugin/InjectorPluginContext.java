package dev.infuse.internal.plugin;

import com.google.inject.Binding;
import com.google.inject.Injector;
import com.google.inject.Key;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@link PluginContext} of one plugin, backed by the runtime's Guice injector. Only explicit
 * bindings are served: a plugin cannot make Guice build arbitrary classes just in time.
 */
public final class InjectorPluginContext implements PluginContext {
    private final Injector injector;
    private final Path cacheDirectory;
    private final long seed;
    private final String owner;

    /**
     * @param owner the plugin, for messages (e.g. {@code adapter 'factual'})
     * @param cacheDirectory this plugin's own cache folder, created when first asked for
     */
    public InjectorPluginContext(Injector injector, Path cacheDirectory, long seed, String owner) {
        this.injector = injector;
        this.cacheDirectory = cacheDirectory;
        this.seed = seed;
        this.owner = owner;
    }

    @Override
    public Path cacheDirectory() {
        try {
            return Files.createDirectories(cacheDirectory);
        } catch (IOException e) {
            throw new InfuseException("config-cache-directory", "cannot create cache folder " + cacheDirectory
                    + " for " + owner + " (" + e + "); choose a writable cache directory", e);
        }
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public <T> T service(Class<T> type) {
        Binding<T> binding = injector.getExistingBinding(Key.get(type));
        if (binding == null) {
            throw new InfuseException("plugin-missing-service", owner + " asked for service " + type.getName()
                    + " but nothing binds it; install the plugin whose Guice module binds it, or bind it"
                    + " in the runtime's modules");
        }
        return binding.getProvider().get();
    }
}
