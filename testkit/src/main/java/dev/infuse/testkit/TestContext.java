package dev.infuse.testkit;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@link PluginContext} for tests: a cache folder under the system temp folder and a fixed seed. */
public final class TestContext implements PluginContext {
    private final Path cache;
    private final long seed;

    public TestContext(Path cache, long seed) {
        this.cache = cache;
        this.seed = seed;
    }

    /** Cache under {@code java.io.tmpdir/infuse-testkit}, shared across tests (tiny vocabularies only). */
    public static TestContext shared() {
        return new TestContext(Path.of(System.getProperty("java.io.tmpdir"), "infuse-testkit"), 42);
    }

    @Override
    public Path cacheDirectory() {
        try {
            return Files.createDirectories(cache);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public <T> T service(Class<T> type) {
        throw new InfuseException("plugin-missing-service", "the test context binds no services (asked for " + type.getName() + ")");
    }
}
