package dev.infuse.api;

import java.util.List;
import java.util.Map;

/**
 * What a training run did.
 *
 * @param epochs one entry per completed epoch
 * @param bestEpoch 1-based epoch whose weights were kept (0 if no evaluation)
 * @param bestMetrics the metrics of that epoch
 * @param stoppedEarly whether patience ran out before the last epoch
 * @param seconds wall time of this process's part of the training
 * @param earlierSeconds for a training resumed from a checkpoint: the wall time the earlier processes spent on it, up to
 *     the checkpoint resumed (0 otherwise)
 * @param earlierPeakRssBytes for a resumed training: the largest peak resident set size those processes recorded in its
 *     checkpoints ({@link RunEnvironment#peakRssBytes()}); -1 when not resumed or not recorded
 */
public record TrainingReport(List<EpochRecord> epochs, int bestEpoch, Map<String, Double> bestMetrics,
        boolean stoppedEarly, double seconds, double earlierSeconds, long earlierPeakRssBytes) {

    /** The report of a training that ran in one process. */
    public TrainingReport(List<EpochRecord> epochs, int bestEpoch, Map<String, Double> bestMetrics, boolean stoppedEarly,
            double seconds) {
        this(epochs, bestEpoch, bestMetrics, stoppedEarly, seconds, 0, -1);
    }

    /**
     * @param epoch 1-based
     * @param meanLoss mean training loss
     * @param metrics evaluation metrics after the epoch
     * @param seconds time of the epoch's training steps
     * @param examplesPerSecond training throughput
     */
    public record EpochRecord(int epoch, double meanLoss, Map<String, Double> metrics, double seconds,
            double examplesPerSecond) {}
}
