package dev.infuse.api;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an artifact came to be: enough to retrain it and to compare two runs. Stored as
 * {@code provenance} in {@code adapter_config.json}. Build one with {@link #builder()}, which records
 * the time, Java, OS and machine by itself and hashes each data file.
 *
 * @param created when training finished (UTC, second precision)
 * @param seed the random seed of the run
 * @param hyperParameters training settings (learning rate, epochs, ...): strings, numbers, booleans,
 *     lists and maps only
 * @param data the data files trained on, with their hashes
 * @param metrics final evaluation results by name (finite numbers)
 * @param java Java runtime, e.g. {@code 17.0.12+7 (Eclipse Adoptium)}
 * @param os operating system, e.g. {@code Linux 6.8.0 amd64}
 * @param machine processor cores and physical memory
 * @param git commit of the code that trained it, or {@code null} when unknown
 */
public record Provenance(Instant created, long seed, Map<String, Object> hyperParameters, List<DataFile> data,
        Map<String, Double> metrics, String java, String os, Machine machine, String git) {

    public Provenance {
        Objects.requireNonNull(created, "created");
        hyperParameters = dev.infuse.internal.artifact.ManifestJson.canonical("provenance.hyper_parameters",
                hyperParameters);
        data = List.copyOf(data);
        metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
        metrics.forEach((k, v) -> {
            if (v == null || !Double.isFinite(v)) {
                throw new IllegalArgumentException("metric '" + k + "' is " + v + " (expected a finite number)");
            }
        });
        Objects.requireNonNull(machine, "machine");
    }

    /**
     * One data file a run read.
     *
     * @param path the path as given to the run
     * @param sha256 SHA-256 of its content, 64 lower-case hex digits
     * @param bytes its size
     */
    public record DataFile(String path, String sha256, long bytes) {
        public DataFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /**
     * The machine a run used.
     *
     * @param cores processors available to the JVM
     * @param memory physical memory in bytes (the JVM's heap limit where the OS does not say)
     */
    public record Machine(int cores, long memory) {
        /** The machine this JVM runs on. */
        public static Machine current() {
            long memory = Runtime.getRuntime().maxMemory();
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                memory = sun.getTotalMemorySize();
            }
            return new Machine(Runtime.getRuntime().availableProcessors(), memory);
        }
    }

    /** This provenance with one more (or a replaced) training setting. */
    public Provenance withHyperParameter(String name, Object value) {
        Map<String, Object> h = new LinkedHashMap<>(hyperParameters);
        h.put(Objects.requireNonNull(name, "name"), value);
        return new Provenance(created, seed, h, data, metrics, java, os, machine, git);
    }

    /** A builder that fills in time, Java, OS and machine from the running JVM. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects a run's provenance; {@link #build()} captures the environment. */
    public static final class Builder {
        private static final Logger LOG = LoggerFactory.getLogger(Provenance.class);

        private Instant created;
        private long seed;
        private final Map<String, Object> hyperParameters = new LinkedHashMap<>();
        private final List<DataFile> data = new ArrayList<>();
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private String git;

        private Builder() {}

        /** The run's random seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** One training setting; values are strings, numbers, booleans, lists or maps. */
        public Builder hyperParameter(String name, Object value) {
            hyperParameters.put(Objects.requireNonNull(name, "name"), value);
            return this;
        }

        /** Several training settings. */
        public Builder hyperParameters(Map<String, ?> values) {
            values.forEach(this::hyperParameter);
            return this;
        }

        /**
         * A data file the run read; hashed now (streaming), so call it while the file is as trained on.
         *
         * @throws dev.infuse.spi.InfuseException {@code data-missing} if the file does not exist
         */
        public Builder dataFile(Path file) {
            String sha = Fingerprints.sha256(file);
            long size;
            try {
                size = Files.size(file);
            } catch (java.io.IOException e) {
                throw new dev.infuse.spi.InfuseException("artifact-io", file + ": cannot read its size (" + e + ")", e);
            }
            data.add(new DataFile(file.toString(), sha, size));
            return this;
        }

        /** A final metric. A NaN or infinite value is left out with a warning rather than failing the save. */
        public Builder metric(String name, double value) {
            if (!Double.isFinite(value)) {
                LOG.warn("metric '{}' is {}; not recorded in the provenance (expected a finite number)", name, value);
                return this;
            }
            metrics.put(Objects.requireNonNull(name, "name"), value);
            return this;
        }

        /** Several metrics (see {@link #metric}). */
        public Builder metrics(Map<String, ? extends Number> values) {
            values.forEach((k, v) -> metric(k, v.doubleValue()));
            return this;
        }

        /** The commit (and perhaps {@code -dirty}) of the code that trained the artifact. */
        public Builder git(String commit) {
            this.git = commit;
            return this;
        }

        /** When the run finished; defaults to the time of {@link #build()}. */
        public Builder created(Instant when) {
            this.created = when;
            return this;
        }

        /** The provenance, with Java, OS and machine of this JVM. */
        public Provenance build() {
            Instant when = (created != null ? created : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
            String javaVersion = System.getProperty("java.runtime.version", System.getProperty("java.version"))
                    + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
            String osName = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch");
            return new Provenance(when, seed, hyperParameters, data, metrics, javaVersion, osName, Machine.current(), git);
        }
    }
}
