package dev.infuse.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real data sets for integration tests: {@code -Dinfuse.data.dir}, else
 * {@code INFUSE_DATA_DIR}, else {@code ../shared/data} or {@code ../../shared/data} from the working
 * directory. Tests that need a file skip (not fail) when it is absent.
 */
final class SharedData {
    private SharedData() {}

    static Path root() {
        String prop = System.getProperty("infuse.data.dir", System.getenv("INFUSE_DATA_DIR"));
        if (prop != null) {
            return Path.of(prop);
        }
        for (String c : new String[] {"../shared/data", "../../shared/data"}) {
            Path p = Path.of(c).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return Path.of("../shared/data");
    }

    /** The file or folder under the data root; skips the calling test when it does not exist. */
    static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), "data not present: " + p);
        return p;
    }
}
