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
            releaseUnreachableMappings();
            try {
                Files.writeString(CLEAR_REFS, "5");
                reset = true;
            } catch (IOException | RuntimeException e) {
                // not Linux, or an older kernel: the process's peak is reported instead
            }
        }
        return new Span(alone, reset, start);
    }

    /**
     * Earlier steps' activation caches are memory-mapped files that stay resident until their buffers are collected
     * (a pretraining's cache can be many gigabytes). {@link System#gc()} only enqueues the buffers' cleaners; the pages
     * leave the process when the reference handler has run them, a moment later. So collect, then wait until the
     * process's file-backed resident memory ({@code RssFile}) has stopped falling — twice the same reading 50 ms apart,
     * 3 s at most — before the high-water mark is reset to this cell's floor.
     */
    static void releaseUnreachableMappings() {
        System.gc();
        long previous = statusBytes("RssFile");
        int steady = 0;
        for (int i = 0; i < 60 && previous >= 0 && steady < 2; i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = statusBytes("RssFile");
            steady = now < previous ? 0 : steady + 1;
            previous = now;
        }
    }

    /** A {@code kB} field of {@code /proc/self/status} in bytes, or -1 where there is none. */
    static long statusBytes(String field) {
        return dev.infuse.api.RunEnvironment.processStatusBytes(field);
    }

    /** {@code VmHWM} in bytes, or -1 when unknown. */
    static long highWaterMark() {
        return dev.infuse.api.RunEnvironment.peakRssBytes();
    }
}
