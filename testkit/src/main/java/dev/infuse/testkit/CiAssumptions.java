package dev.infuse.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Assumptions that may skip a test on a developer's machine but never in CI: when the environment
 * variable {@code CI} is {@code true} (or the system property {@code infuse.ci} is), an unmet
 * assumption fails the test with the same message, so a green CI run means the test ran.
 */
public final class CiAssumptions {
    private CiAssumptions() {}

    /** True when running under CI ({@code CI=true} or {@code -Dinfuse.ci=true}). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("infuse.ci");
    }

    /** Skips the calling test when {@code condition} is false, or fails it under CI. */
    public static void assumeOrFailInCi(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (inCi()) {
            Assertions.fail("CI=true and a required test input is missing: " + reason);
        }
        Assumptions.assumeTrue(false, reason + " (skipped; with CI=true this fails)");
    }
}
