package dev.infuse.spi;

import java.nio.file.Path;

/**
 * The narrow view of the runtime a provider gets in {@code create(...)}.
 */
public interface PluginContext {

    /** A folder this plugin may use for derived files (extracted models, caches); created on demand. */
    Path cacheDirectory();

    /** The seed of the current run; derive all randomness from it. */
    long seed();

    /**
     * A service bound in the runtime's injector (including services bound by plugins' Guice
     * modules).
     *
     * @throws InfuseException {@code plugin-missing-service} if nothing is bound for {@code type}
     */
    <T> T service(Class<T> type);
}
