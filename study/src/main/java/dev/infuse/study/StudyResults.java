package dev.infuse.study;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a study: every cell (run now, reused, or failed), the per task × method summary
 * over seeds, and the study's provenance.
 *
 * @param study the study
 * @param out its output folder
 * @param pretrainings the outcomes of its pretraining steps
 * @param cells one entry per (method, task, seed), in grid order
 * @param summaries one entry per (task, method), tasks in the study's order, methods in the study's order
 * @param provenance configuration, data file hashes, backbone fingerprint, versions and machine
 * @param statistics paired comparisons with intervals and tests, cells' item-level intervals, problems
 * @param notStarted the steps (as {@link StudyStatus.Step#label()} names them) this run did not start because its time limit
 *     ({@link StudyRunner.Options#stopAfter()}) came first: left for the next run, and not in {@code cells}; in
 *     {@linkplain #interim() interim} results, the cells of the run that had not finished yet
 * @param interim whether these are the tables written after a step while the run goes on ({@code --export-each-step}):
 *     every step complete on disk so far, replaced by the run's final results when it ends
 */
public record StudyResults(Study study, Path out, List<CellOutcome> pretrainings, List<CellResult> cells,
        List<Summary> summaries, Map<String, Object> provenance, StudyStatistics statistics, List<String> notStarted,
        boolean interim) {

    public StudyResults {
        pretrainings = List.copyOf(pretrainings);
        cells = List.copyOf(cells);
        summaries = List.copyOf(summaries);
        if (statistics == null) {
            statistics = StudyStatistics.empty(dev.infuse.stats.PairedStatistics.Settings.defaults());
        }
        notStarted = List.copyOf(notStarted);
    }

    /** The final results of a run, with the steps its time limit left. */
    public StudyResults(Study study, Path out, List<CellOutcome> pretrainings, List<CellResult> cells, List<Summary> summaries,
            Map<String, Object> provenance, StudyStatistics statistics, List<String> notStarted) {
        this(study, out, pretrainings, cells, summaries, provenance, statistics, notStarted, false);
    }

    /** Results of a run that started every step it selected. */
    public StudyResults(Study study, Path out, List<CellOutcome> pretrainings, List<CellResult> cells, List<Summary> summaries,
            Map<String, Object> provenance, StudyStatistics statistics) {
        this(study, out, pretrainings, cells, summaries, provenance, statistics, List.of());
    }

    /** How many of the steps not started ({@link #notStarted()}) are cells; the others are pretraining steps and graphs. */
    public long notStartedCells() {
        java.util.Set<String> cellLabels = new java.util.HashSet<>();
        StudyGrid.cells(study, out).forEach(c -> cellLabels.add(c.label()));
        return notStarted.stream().filter(cellLabels::contains).count();
    }

    /** The same results, with the steps the run's time limit left ({@link #notStarted()}). */
    public StudyResults withNotStarted(List<String> labels) {
        return new StudyResults(study, out, pretrainings, cells, summaries, provenance, statistics, labels, false);
    }

    /** The same results as interim tables of a run still going on, whose cells {@code unfinished} have not finished. */
    public StudyResults asInterim(List<String> unfinished) {
        return new StudyResults(study, out, pretrainings, cells, summaries, provenance, statistics, unfinished, true);
    }

    /** Results without statistics. */
    public StudyResults(Study study, Path out, List<CellOutcome> pretrainings, List<CellResult> cells, List<Summary> summaries,
            Map<String, Object> provenance) {
        this(study, out, pretrainings, cells, summaries, provenance, null);
    }

    /**
     * One cell's result.
     *
     * @param method method name
     * @param task task name
     * @param seed seed
     * @param status completed, reused or failed
     * @param errorCode error code when failed
     * @param error error message when failed
     * @param metrics development metrics of the best epoch (fractions in [0,1]); empty when failed
     * @param curve the compared metric on the development split after each epoch
     * @param bestEpoch 1-based best epoch (0 when failed)
     * @param trainableParameters trainable parameters of the cell's model
     * @param totalParameters all parameters, frozen backbone included
     * @param seconds wall time of the cell's run (when it ran)
     * @param trainSeconds time of its training steps (the sum of its epochs' training time, without evaluation
     *     or featurisation; 0 when nothing was trained, NaN when unknown)
     * @param peakRssBytes the process's peak resident set size while the cell ran, -1 when unknown (see
     *     {@code docs/STUDIES.md}: the JVM and the shared frozen backbone are included)
     * @param peakRssScope {@code cell} when the figure is this cell's alone, {@code process} when it is an
     *     upper bound (other cells ran in the same JVM meanwhile, or the high-water mark could not be reset); null when unknown
     */
    public record CellResult(String method, String task, long seed, CellOutcome.Status status, String errorCode, String error,
            Map<String, Double> metrics, List<Double> curve, int bestEpoch, long trainableParameters, long totalParameters,
            double seconds, double trainSeconds, long peakRssBytes, String peakRssScope) {
        /** A cell without training time or memory figures. */
        public CellResult(String method, String task, long seed, CellOutcome.Status status, String errorCode, String error,
                Map<String, Double> metrics, List<Double> curve, int bestEpoch, long trainableParameters, long totalParameters,
                double seconds) {
            this(method, task, seed, status, errorCode, error, metrics, curve, bestEpoch, trainableParameters, totalParameters,
                    seconds, Double.NaN, -1, null);
        }
    }

    /**
     * A (task, method) pair summarised over its seeds.
     *
     * @param task task name
     * @param method method name
     * @param metric the compared metric
     * @param mean mean over the seeds that completed (NaN when none)
     * @param std sample standard deviation over them (0 for one seed, NaN for none)
     * @param n seeds that completed
     * @param failed seeds that failed
     * @param delta mean minus the baseline's mean (NaN when either is missing)
     * @param trainableParameters trainable parameters (of the first completed seed; 0 when none)
     * @param totalParameters all parameters (likewise)
     * @param best whether this method has the highest mean for the task
     * @param trainSeconds mean training time of its cells ({@link CellResult#trainSeconds()}), NaN when unknown
     * @param peakRssBytes the largest peak resident set size of its cells, -1 when unknown
     * @param peakRssScope {@code cell} when every cell's figure is its own, {@code process} when any is an upper bound, null when unknown
     */
    public record Summary(String task, String method, String metric, double mean, double std, int n, int failed, double delta,
            long trainableParameters, long totalParameters, boolean best, double trainSeconds, long peakRssBytes,
            String peakRssScope) {
        /** A summary without training time or memory figures. */
        public Summary(String task, String method, String metric, double mean, double std, int n, int failed, double delta,
                long trainableParameters, long totalParameters, boolean best) {
            this(task, method, metric, mean, std, n, failed, delta, trainableParameters, totalParameters, best, Double.NaN, -1, null);
        }
    }

    /** Cells that failed in this run. */
    public List<CellResult> failedCells() {
        return cells.stream().filter(c -> c.status() == CellOutcome.Status.FAILED).toList();
    }

    /** Number of cells run now, reused and failed. */
    public Map<CellOutcome.Status, Long> counts() {
        Map<CellOutcome.Status, Long> m = new java.util.EnumMap<>(CellOutcome.Status.class);
        for (CellOutcome.Status s : CellOutcome.Status.values()) {
            m.put(s, cells.stream().filter(c -> c.status() == s).count());
        }
        return m;
    }
}
