package dev.infuse.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Run-wide settings bound in the runtime's injector, so that plugin Guice modules can inject them.
 *
 * @param cacheDirectory root of derived files; each plugin gets {@code <kind>/<name>} below it
 * @param seed the run's seed; all randomness derives from it
 */
public record InfuseSettings(Path cacheDirectory, long seed) {
    public InfuseSettings {
        Objects.requireNonNull(cacheDirectory, "cacheDirectory");
    }

    /** Seed used when none is given. */
    public static final long DEFAULT_SEED = 42L;

    /**
     * The default cache folder: {@code $INFUSE_HOME/cache} if {@code INFUSE_HOME} is set, otherwise
     * {@code ~/.infuse/cache}.
     */
    public static Path defaultCacheDirectory() {
        return PluginRegistry.infuseHome(System.getenv("INFUSE_HOME"), System.getProperty("user.home")).resolve("cache");
    }
}
