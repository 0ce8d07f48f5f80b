package dev.infuse.cli;

import dev.infuse.tasks.TaskRunner;
import java.io.PrintWriter;
import java.util.Map;

/** The summary every run prints. */
final class Report {
    /** Metrics that are counts or flags, whatever their value (a probe of one relation scores relations = 1). */
    private static final java.util.Set<String> COUNTS = java.util.Set.of("relations", "facts", "entities", "pieces", "text_markers");

    private Report() {}

    static void print(PrintWriter out, TaskRunner.RunResult r) {
        out.printf("task %s: ", r.task());
        int i = 0;
        for (Map.Entry<String, Double> e : r.metrics().entrySet()) {
            double v = e.getValue();
            // Rates print as percentages; counts scored alongside them (entities, pieces) as they are.
            if (v == Math.rint(v) && (v > 1 || COUNTS.contains(e.getKey()))) {
                out.printf("%s%s %d", i++ > 0 ? ", " : "", e.getKey(), (long) v);
            } else {
                out.printf("%s%s %.2f", i++ > 0 ? ", " : "", e.getKey(), 100 * v);
            }
        }
        out.printf(" (best epoch %d of %d)%n", r.report().bestEpoch(), r.report().epochs().size());
        long rss = dev.infuse.api.RunEnvironment.peakRssBytes();
        out.printf("parameters: %,d trainable of %,d; %.0f s%s%n", r.trainableParameters(), r.totalParameters(), r.seconds(),
                rss > 0 ? String.format(java.util.Locale.ROOT, "; peak RSS %,d MiB", rss >> 20) : "");
        if (!r.skippedTrain().isEmpty() || !r.skippedDev().isEmpty()) {
            out.printf("skipped: train %s, dev %s%n", r.skippedTrain(), r.skippedDev());
        }
        out.printf("output: %s%n", r.output());
    }
}
