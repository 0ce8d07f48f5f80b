package dev.infuse.spark;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Options of the Spark backend, from {@code --executor-option KEY=VALUE} (or the CLI's
 * {@code --spark-master} and {@code --shared}).
 *
 * @param master Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...); in
 *     local mode rewritten to {@code local[N,F]} so that failed tasks are retried
 * @param shared folder every executor and the driver can read and write (activation caches go to
 *     {@code <shared>/cache}; the study's output folder should be below it too)
 * @param maxFailures attempts per cell before it is reported failed ({@code spark.task.maxFailures})
 * @param startupTimeoutSeconds how long to wait for the master and a first executor
 * @param conf further {@code spark.*} settings, passed to Spark as given
 */
public record SparkOptions(String master, Path shared, int maxFailures, int startupTimeoutSeconds, Map<String, String> conf) {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,(\\d+))?])?");

    public SparkOptions {
        conf = Map.copyOf(conf);
    }

    /**
     * Parses backend options: {@code master}, {@code shared}, {@code max-failures} (default 4, as
     * Spark's), {@code startup-timeout} (seconds, default 120) and any {@code spark.*} key. Without
     * {@code master}, the {@code spark.master} system property (set by {@code spark-submit}) is used.
     */
    public static SparkOptions parse(Map<String, String> options) {
        Map<String, String> rest = new TreeMap<>(options);
        String master = rest.remove("master");
        if (master == null || master.isBlank()) {
            master = System.getProperty("spark.master");
        }
        if (master == null || master.isBlank()) {
            throw new InfuseException("usage", "the Spark executor needs a master: give --spark-master URL (e.g. local[2] or "
                    + "spark://host:7077), or submit with spark-submit --master");
        }
        String shared = rest.remove("shared");
        if (shared == null || shared.isBlank()) {
            throw new InfuseException("usage", "the Spark executor needs --shared DIR: a folder the driver and every executor "
                    + "can read and write (see docs/SPARK.md)");
        }
        int maxFailures = positive(rest.remove("max-failures"), "max-failures", 4);
        int timeout = positive(rest.remove("startup-timeout"), "startup-timeout", 120);
        Map<String, String> conf = new TreeMap<>();
        for (var e : rest.entrySet()) {
            if (!e.getKey().startsWith("spark.")) {
                throw new InfuseException("usage", "unknown Spark executor option '" + e.getKey()
                        + "'; expected master, shared, max-failures, startup-timeout or a spark.* setting");
            }
            conf.put(e.getKey(), e.getValue());
        }
        return new SparkOptions(master.trim(), Path.of(shared).toAbsolutePath(), maxFailures, timeout, conf);
    }

    private static int positive(String value, String key, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InfuseException("usage", "Spark executor option " + key + "=" + value + ": expected a whole number of at least 1");
    }

    /** Whether the master runs everything in this JVM. */
    public boolean local() {
        return LOCAL.matcher(master).matches();
    }

    /**
     * The master URL to hand to Spark: in local mode Spark ignores {@code spark.task.maxFailures}
     * and takes the attempts from {@code local[N,F]}, so that form is used.
     */
    public String effectiveMaster() {
        Matcher m = LOCAL.matcher(master);
        if (!m.matches()) {
            return master;
        }
        String threads = m.group(1) == null ? "1" : m.group(1);
        return String.format(Locale.ROOT, "local[%s,%d]", threads, maxFailures);
    }
}
