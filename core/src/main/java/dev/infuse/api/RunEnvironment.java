package dev.infuse.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What can move a run's numbers besides its configuration and data: the processor (model and
 * instruction-set flags: floating-point results differ between CPUs, e.g. with and without FMA or
 * AVX-512), the thread settings, the numeric precision, the batch size, and the library versions.
 * Stored with every study cell ({@code environment.json}) and in a run's {@code metrics.json}, so
 * that two runs that disagree can be told apart.
 *
 * @param cpuModel processor model name ({@code /proc/cpuinfo}'s {@code model name}), or the architecture when unknown
 * @param cpuFlags instruction-set flags, sorted (empty when unknown)
 * @param availableProcessors processors the JVM may use
 * @param threads thread settings in effect: TensorFlow intra/inter-op parallelism when set
 *     ({@code TF_NUM_INTRAOP_THREADS}, {@code TF_NUM_INTEROP_THREADS}), {@code OMP_NUM_THREADS},
 *     {@code TF_XLA_FLAGS}, {@code TF_ENABLE_ONEDNN_OPTS}; only those set appear
 * @param precision numeric precision of the forward pass ({@code fp32} unless the backbone says otherwise)
 * @param batchSize examples per batch
 * @param tensorflowJava TensorFlow Java version (e.g. {@code 1.1.0}), or {@code unknown}
 * @param tensorflowNative the native TensorFlow runtime's version, or {@code unknown}
 * @param jvm Java runtime: version and vendor
 * @param os operating system and architecture
 */
public record RunEnvironment(String cpuModel, List<String> cpuFlags, int availableProcessors, Map<String, String> threads,
        String precision, int batchSize, String tensorflowJava, String tensorflowNative, String jvm, String os) {

    /** Environment variables that set TensorFlow's or the math libraries' threading or code paths. */
    public static final List<String> THREAD_VARIABLES = List.of("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
            "OMP_NUM_THREADS", "TF_XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS");

    public RunEnvironment {
        cpuFlags = List.copyOf(cpuFlags);
        threads = java.util.Collections.unmodifiableMap(new TreeMap<>(threads));
    }

    /**
     * The process's peak resident set size so far (Linux's {@code VmHWM} in {@code /proc/self/status}), in
     * bytes, or -1 where the system does not report it. For a single {@code infuse eval} it is the run's
     * peak (JVM, frozen backbone and training included); a study overrides it with the cell's own.
     */
    public static long peakRssBytes() {
        return processStatusBytes("VmHWM");
    }

    /**
     * A memory field of this process's {@code /proc/self/status} ({@code VmHWM}, {@code VmRSS}, {@code RssFile}, ...),
     * in bytes, or -1 where the system does not report it.
     */
    public static long processStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** The environment of this process, for a run with the given precision ({@code null}: fp32) and batch size. */
    public static RunEnvironment collect(String precision, int batchSize) {
        String model = System.getProperty("os.arch");
        List<String> flags = List.of();
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                String text = Files.readString(cpuinfo);
                String m = field(text, "model name");
                if (m == null) {
                    m = field(text, "Hardware"); // some ARM kernels
                }
                if (m != null) {
                    model = m;
                }
                String f = field(text, "flags");
                if (f == null) {
                    f = field(text, "Features"); // ARM
                }
                if (f != null) {
                    flags = Arrays.stream(f.trim().split("\\s+")).filter(s -> !s.isEmpty()).sorted().distinct().toList();
                }
            } catch (IOException | RuntimeException e) {
                // keep the architecture
            }
        }
        Map<String, String> threads = new LinkedHashMap<>();
        for (String v : THREAD_VARIABLES) {
            String value = System.getenv(v);
            if (value != null && !value.isBlank()) {
                threads.put(v, value);
            }
        }
        return new RunEnvironment(model, flags, Runtime.getRuntime().availableProcessors(), threads,
                precision == null || precision.isBlank() ? "fp32" : precision, batchSize, javaBindingVersion(), nativeVersion(),
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    private static String field(String cpuinfo, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s*:\\s*(.*)$").matcher(cpuinfo);
        return m.find() ? m.group(1).trim() : null;
    }

    private static String javaBindingVersion() {
        Class<?> tf = org.tensorflow.TensorFlow.class;
        try {
            var d = tf.getModule().getDescriptor();
            if (d != null && d.rawVersion().isPresent()) {
                return d.rawVersion().get();
            }
            String v = tf.getPackage().getImplementationVersion();
            if (v != null) {
                return v;
            }
            var src = tf.getProtectionDomain().getCodeSource();
            if (src != null) {
                Matcher m = Pattern.compile("tensorflow-core-api-([0-9][^/]*?)(-[a-z].*)?\\.jar").matcher(src.getLocation().getPath());
                if (m.find()) {
                    return m.group(1);
                }
            }
        } catch (RuntimeException e) {
            // unknown
        }
        return "unknown";
    }

    private static String nativeVersion() {
        try {
            return org.tensorflow.TensorFlow.version();
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }

    /** The fields as a JSON-ready map (the layout of {@code environment.json}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("cpu_flags", String.join(" ", cpuFlags));
        m.put("available_processors", availableProcessors);
        m.put("threads", threads);
        m.put("precision", precision);
        m.put("batch_size", batchSize);
        m.put("tensorflow_java", tensorflowJava);
        m.put("tensorflow_native", tensorflowNative);
        m.put("jvm", jvm);
        m.put("os", os);
        return m;
    }

    /** One line for reports: processor, processors, precision, batch, threads and versions. */
    public String summary() {
        return summary(toMap());
    }

    /** {@link #summary()} of a map written by {@link #toMap()} (e.g. read back from a file); tolerant of missing fields. */
    public static String summary(Map<String, ?> m) {
        List<String> parts = new ArrayList<>();
        parts.add(String.valueOf(m.get("cpu_model")));
        Object flags = m.get("cpu_flags");
        if (flags != null && !flags.toString().isBlank()) {
            List<String> notable = new ArrayList<>();
            for (String f : List.of("fma", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "neon", "asimd")) {
                if ((" " + flags + " ").contains(" " + f + " ")) {
                    notable.add(f);
                }
            }
            parts.add(notable.isEmpty() ? "no FMA/AVX2/AVX-512" : String.join("+", notable));
        }
        parts.add(m.get("available_processors") + " processors");
        Object threads = m.get("threads");
        if (threads instanceof Map<?, ?> t && !t.isEmpty()) {
            parts.add(t.toString());
        }
        parts.add(String.valueOf(m.get("precision")));
        parts.add("batch " + m.get("batch_size"));
        parts.add("TF Java " + m.get("tensorflow_java") + " (native " + m.get("tensorflow_native") + ")");
        parts.add("Java " + m.get("jvm"));
        return String.join(", ", parts);
    }
}
