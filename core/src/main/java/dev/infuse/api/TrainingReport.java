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
 * @param seconds wall time
 */
public record TrainingReport(List<EpochRecord> epochs, int bestEpoch, Map<String, Double> bestMetrics,
        boolean stoppedEarly, double seconds) {

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
