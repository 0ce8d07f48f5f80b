package dev.infuse.study;

import java.util.Map;

/**
 * Service that makes a {@link CellExecutor} by name, discovered with {@link java.util.ServiceLoader},
 * so that an optional backend (such as the Spark runner, module {@code runner-spark}) is used when
 * its jar is on the class path and nothing depends on it at compile time. See {@link CellExecutors}.
 */
public interface CellExecutorFactory {

    /** The backend's name, e.g. {@code spark}. */
    String name();

    /** One line for help texts: what it runs on and its options. */
    String description();

    /**
     * Starts an executor.
     *
     * @param options backend options (e.g. {@code master}, {@code shared}); unknown keys are an error
     * @throws dev.infuse.spi.InfuseException with a clear message when the backend cannot start
     */
    CellExecutor create(Map<String, String> options);
}
