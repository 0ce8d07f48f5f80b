package dev.infuse.tasks;

import dev.infuse.api.Progress;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;

/**
 * A progress bar that appears only once a pass has lasted {@code afterNanos}: evaluating 800 sentences stays
 * quiet, a 25,000-example development set through the whole backbone shows how far it is.
 */
final class LateProgress implements AutoCloseable {
    /** Ten seconds. */
    static final long AFTER_NANOS = 10_000_000_000L;

    private final String task;
    private final long total;
    private final long afterNanos;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private ProgressBar bar;

    LateProgress(String task, long total, long afterNanos, LongSupplier clock) {
        this.task = task;
        this.total = total;
        this.afterNanos = afterNanos;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Counts {@code units} more done; opens the bar when the pass has run long enough and is not finished. */
    void advance(long units) {
        done += units;
        if (bar == null && done < total && clock.getAsLong() - start > afterNanos) {
            bar = Progress.bar(task, total, " ex");
        }
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    /** Whether the bar is showing. */
    boolean shown() {
        return bar != null;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
