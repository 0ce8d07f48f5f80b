package dev.infuse.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Number format of a frozen backbone's matrix products.
 *
 * <p>{@link #FP32}: everything in 32-bit floats. {@link #BF16}: the frozen weight matrices are held
 * in the graph once, in bfloat16, and the matrix and attention products run in bfloat16 (oneDNN
 * accumulates in fp32 inside each product); layer norms, softmax, biases, the residual stream, every
 * tensor a plugin receives and everything trainable stay fp32. A backbone reports its precision with
 * {@link Backbone#precision()}; the setting is the backbone configuration key {@code precision}
 * ({@code fp32}, {@code bf16} or {@code auto}), the CLI option {@code --precision} and the study key
 * {@code precision:}.
 */
public enum Precision {
    FP32("fp32"),
    BF16("bf16");

    /** The accepted setting values, as named in error messages. */
    public static final String ACCEPTED = "fp32, bf16 or auto";

    /** CPU flags (from {@code /proc/cpuinfo}) of units that compute bfloat16 products. */
    public static final Set<String> BF16_CPU_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    /** {@code fp32} or {@code bf16}, as written in logs, provenance and {@code metrics.json}. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * What the machine offers: whether its CPU has bfloat16 units and whether a GPU runs the graph.
     *
     * @param cpuFlags the {@code flags} line of the first processor in {@code /proc/cpuinfo} ("" if unknown)
     * @param gpu whether TensorFlow runs on a GPU
     */
    public record Machine(String cpuFlags, boolean gpu) {
        public Machine {
            cpuFlags = cpuFlags == null ? "" : cpuFlags;
        }

        /** This machine, from {@code /proc/cpuinfo} and the TensorFlow native build on the class path. */
        public static Machine current() {
            return new Machine(cpuFlags(() -> {
                try {
                    return Files.readString(Path.of("/proc/cpuinfo"));
                } catch (IOException | RuntimeException e) {
                    return "";
                }
            }), gpuBuild());
        }

        /** The {@code flags} line of the first processor in a {@code /proc/cpuinfo} text ("" if none). */
        public static String cpuFlags(Supplier<String> cpuinfo) {
            String text = cpuinfo.get();
            if (text == null) {
                return "";
            }
            for (String line : text.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                    return line.substring(colon + 1).trim();
                }
            }
            return "";
        }

        /** Whether the CPU reports a bfloat16 unit ({@link #BF16_CPU_FLAGS}). */
        public boolean cpuHasBf16() {
            for (String f : cpuFlags.split("\\s+")) {
                if (BF16_CPU_FLAGS.contains(f)) {
                    return true;
                }
            }
            return false;
        }

        /** The bfloat16 flags the CPU reports, e.g. {@code avx512_bf16}, or {@code none}. */
        public String bf16Flags() {
            StringBuilder b = new StringBuilder();
            for (String f : cpuFlags.split("\\s+")) {
                if (BF16_CPU_FLAGS.contains(f) && b.indexOf(f) < 0) {
                    b.append(b.length() == 0 ? "" : " ").append(f);
                }
            }
            return b.length() == 0 ? "none" : b.toString();
        }

        // The GPU native build of TensorFlow Java carries its libraries under a "-gpu" platform
        // folder and needs an NVIDIA driver to run on a GPU at all.
        private static boolean gpuBuild() {
            ClassLoader cl = Precision.class.getClassLoader();
            boolean gpuNatives = cl != null && cl.getResource("org/tensorflow/internal/c_api/linux-x86_64-gpu/") != null;
            return gpuNatives && Files.exists(Path.of("/proc/driver/nvidia/version"));
        }
    }

    /**
     * Resolves a setting: {@code fp32}, {@code bf16}, or {@code auto} ({@code bf16} where the CPU has
     * bfloat16 units or a GPU runs the graph, else {@code fp32}). Case and surrounding blanks are ignored.
     *
     * @param where what to name in an error, e.g. {@code backbone 'bert': key 'precision'}
     * @throws InfuseException {@code config-bad-value} for any other value, naming the accepted ones
     */
    public static Precision resolve(String setting, String where, Machine machine) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "fp32" -> FP32;
            case "bf16" -> BF16;
            case "auto" -> machine.gpu() || machine.cpuHasBf16() ? BF16 : FP32;
            default -> throw new InfuseException("config-bad-value", where + " has value '" + setting
                    + "' but expected " + ACCEPTED);
        };
    }

    /** Checks a setting's spelling without resolving {@code auto}. */
    public static void check(String setting, String where) {
        resolve(setting, where, new Machine("", false));
    }
}
