package dev.infuse.api;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars for long jobs: redrawn every second on a terminal; in a log file (no console)
 * redrawn every 30 seconds so that a run's log stays readable.
 */
public final class Progress {
    private Progress() {}

    /**
     * @param task what is running, e.g. {@code "epoch 2/5"}
     * @param max total units
     * @param unit unit label with a leading space, e.g. {@code " ex"}
     */
    public static ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(unit, 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed()
                .setUpdateIntervalMillis(System.console() == null ? 30_000 : 1000).build();
    }
}
