package dev.infuse.bench;

import dev.infuse.api.RunEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the numbers were measured on, and the process's memory as the kernel reports it. */
final class Machine {
    private Machine() {}

    /** e.g. {@code 2 × AMD EPYC, 23.5 GiB RAM, Linux 6.1, Java 17.0.9}. */
    static String describe() {
        String model = "unknown CPU";
        String memory = "unknown memory";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = String.format("%.1f GiB RAM", kb(line) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // Not Linux: the figures stay, the description is poorer.
        }
        return Runtime.getRuntime().availableProcessors() + " × " + model + " (nproc " + Runtime.getRuntime().availableProcessors()
                + "), " + memory + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", Java "
                + System.getProperty("java.version");
    }

    /** The CPU's model name from {@code /proc/cpuinfo}. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown CPU";
    }

    /** A field of {@code /proc/self/status} (VmRSS, VmHWM) in MiB, or -1 where there is none. */
    static double statusMiB(String field) {
        long bytes = RunEnvironment.processStatusBytes(field);
        return bytes < 0 ? -1 : bytes / (1024.0 * 1024.0);
    }

    /** The load averages, so a reader sees how busy the machine was. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
