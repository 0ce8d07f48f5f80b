package dev.infuse.api;

import dev.infuse.spi.InfuseException;
import java.util.Objects;

/**
 * A problem found while discovering plugins. Discovery goes on after a problem (one broken jar
 * never hides the others); the registry keeps the list in {@link PluginRegistry#problems()} and logs
 * each problem once.
 *
 * <p>Codes: {@code plugin-bad-name}, {@code plugin-bad-version}, {@code plugin-spi-version},
 * {@code plugin-duplicate}, {@code plugin-load-failed}, {@code plugin-not-a-jar},
 * {@code plugin-bad-jar}, {@code plugin-bad-folder}.
 *
 * @param code stable code, as in {@link InfuseException#code()}
 * @param origin the jar, folder or module concerned
 * @param message what went wrong and what to do
 */
public record PluginProblem(String code, String origin, String message) {

    public PluginProblem {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(message, "message");
    }

    /** This problem as the exception a failing operation throws. */
    public InfuseException toException() {
        return new InfuseException(code, message);
    }

    @Override
    public String toString() {
        return "[" + code + "] " + message;
    }
}
