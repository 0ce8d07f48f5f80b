package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Chooses the backend that runs a study's cells: {@code local} (a bounded thread pool in this JVM,
 * always available) or one found through {@link CellExecutorFactory} on the class path.
 */
public final class CellExecutors {
    /** Name of the built-in backend. */
    public static final String LOCAL = "local";

    private CellExecutors() {}

    /**
     * Starts the named backend.
     *
     * @param options backend options; for {@code local}: {@code parallel} (cells at once, default 1)
     * @throws InfuseException {@code config-executor-unavailable} when no backend of that name is on
     *     the class path; the backend's own errors otherwise
     */
    public static CellExecutor open(String name, Map<String, String> options) {
        if (LOCAL.equals(name)) {
            Map<String, String> rest = new TreeMap<>(options);
            String parallel = rest.remove("parallel");
            if (!rest.isEmpty()) {
                throw new InfuseException("usage", "the local executor has no option(s) " + rest.keySet() + "; it takes: parallel");
            }
            int n;
            try {
                n = parallel == null ? 1 : Integer.parseInt(parallel.trim());
            } catch (NumberFormatException e) {
                throw new InfuseException("usage", "executor option parallel=" + parallel + ": expected a whole number");
            }
            if (n < 1) {
                throw new InfuseException("usage", "executor option parallel must be at least 1, not " + n);
            }
            return new LocalCellExecutor(n);
        }
        List<String> names = new ArrayList<>(List.of(LOCAL));
        for (CellExecutorFactory f : factories()) {
            if (f.name().equals(name)) {
                return f.create(options);
            }
            names.add(f.name());
        }
        String hint = "spark".equals(name)
                ? ": the Spark backend needs infuse-runner-spark-<version>.jar and Spark 4.1 for Scala 2.13 on the class path"
                        + " (or run through spark-submit); see docs/SPARK.md"
                : "";
        throw new InfuseException("config-executor-unavailable", "no cell executor '" + name + "' on the class path"
                + hint + "; available: " + String.join(", ", names));
    }

    /** Names of the available backends, {@code local} first. */
    public static List<String> available() {
        List<String> names = new ArrayList<>(List.of(LOCAL));
        factories().forEach(f -> names.add(f.name()));
        return names;
    }

    private static List<CellExecutorFactory> factories() {
        List<CellExecutorFactory> out = new ArrayList<>();
        var it = ServiceLoader.load(CellExecutorFactory.class, CellExecutors.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A backend whose own dependencies are missing is simply not available.
                org.slf4j.LoggerFactory.getLogger(CellExecutors.class).debug("cell executor not loadable: {}", e.toString());
            }
        }
        return out;
    }
}
