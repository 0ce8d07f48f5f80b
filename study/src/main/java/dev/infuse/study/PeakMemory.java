package dev.infuse.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak resident set size of a study cell: Linux's high-water mark ({@code VmHWM} in
 * {@code /proc/self/status}), reset to the current RSS when a cell starts alone (writing {@code 5} to
 * {@code /proc/self/clear_refs}, Linux 4.0 and later) and read when it ends.
 *
 * <p>The figure is of the whole process — the JVM, the frozen backbone loaded once and shared, what
 * earlier cells left resident, and the pages of the activation cache's memory-mapped files this cell read
 * (file-backed: the kernel reclaims them under memory pressure, so a machine needs less than the figure
 * when a cell reads a large cache) — and is exact for the cell ({@code scope "cell"}) when no other cell
 * ran in this JVM meanwhile ({@code --parallel 1}) and the reset worked. Otherwise ({@code scope
 * "process"}) it is the process's peak since an earlier point: an upper bound of the cell's own, since
 * a reset only happens when a cell starts with no other running.
 */
final class PeakMemory {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final AtomicInteger RUNNING = new AtomicInteger();
    private static final AtomicLong STARTS = new AtomicLong();

    /** A cell's measurement in progress. */
    static final class Span {
        private final boolean alone;
        private final boolean reset;
        private final long start;

        private Span(boolean alone, boolean reset, long start) {
            this.alone = alone;
            this.reset = reset;
            this.start = start;
        }

        /**
         * Ends the measurement.
         *
         * @return the peak RSS in bytes (-1 where {@code /proc/self/status} has none) and its scope
         */
        Reading end() {
            boolean exclusive = alone && reset && STARTS.get() == start;
            RUNNING.decrementAndGet();
            return new Reading(highWaterMark(), exclusive ? "cell" : "process");
        }
    }

    /**
     * @param bytes peak resident set size, or -1 when unknown
     * @param scope {@code cell} (this cell alone) or {@code process} (an upper bound: other cells or earlier work included)
     */
    record Reading(long bytes, String scope) {}

    private PeakMemory() {}

    /** Starts measuring a cell: resets the high-water mark when no other cell runs in this JVM. */
    static Span start() {
        boolean alone = RUNNING.incrementAndGet() == 1;
        long start = STARTS.incrementAndGet();
        boolean reset = false;
        if (alone) {
            // Earlier cells' activation caches are memory-mapped files that stay resident until their buffers are
            // collected: collect them first, so that this cell's figure does not carry its predecessors' pages.
            System.gc();
            try {
                Files.writeString(CLEAR_REFS, "5");
                reset = true;
            } catch (IOException | RuntimeException e) {
                // not Linux, or an older kernel: the process's peak is reported instead
            }
        }
        return new Span(alone, reset, start);
    }

    /** {@code VmHWM} in bytes, or -1 when unknown. */
    static long highWaterMark() {
        return dev.infuse.api.RunEnvironment.peakRssBytes();
    }
}
