package dev.infuse.testkit;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@link PluginContext} for tests: a cache folder and a fixed seed. */
public final class TestContext implements PluginContext {
    private static volatile Path jvmCache;

    private final Path cache;
    private final long seed;

    public TestContext(Path cache, long seed) {
        this.cache = cache;
        this.seed = seed;
    }

    /**
     * Seed 42 and a cache folder private to this JVM (created under {@code java.io.tmpdir} with a
     * unique name on first use and deleted when the JVM exits): tests of one run share it, test runs
     * (and other users) never do. Tests that check cache contents pass their own {@code @TempDir}.
     */
    public static TestContext shared() {
        return new TestContext(jvmCache(), 42);
    }

    private static synchronized Path jvmCache() {
        if (jvmCache == null) {
            try {
                Path dir = Files.createTempDirectory("infuse-testkit-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                jvmCache = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return jvmCache;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort at exit
        }
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
