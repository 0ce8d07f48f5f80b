package dev.infuse.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real data sets for integration tests: {@code -Dinfuse.data.dir}, else
 * {@code INFUSE_DATA_DIR}, else {@code ../shared/data} or {@code ../../shared/data} from the working
 * directory. Tests that need a file skip when it is absent, except under CI ({@code CI=true} or
 * {@code -Dinfuse.ci=true}), where they fail: a green CI run means they ran.
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

    /** The file or folder under the data root; skips the calling test (fails it under CI) when it does not exist. */
    static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeOrFailInCi(Files.exists(p), "data not present: " + p);
        return p;
    }

    /** True under CI: {@code CI=true} or {@code -Dinfuse.ci=true}. */
    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("infuse.ci");
    }

    /**
     * Skips the calling test when {@code condition} is false, or fails it under CI (this module cannot
     * use the testkit's {@code CiAssumptions}: the testkit depends on modules built after it).
     */
    static void assumeOrFailInCi(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (inCi()) {
            org.junit.jupiter.api.Assertions.fail("CI=true and a required test input is missing: " + reason);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, reason + " (skipped; with CI=true this fails)");
    }
}
