package dev.infuse.api;

import dev.infuse.spi.InfuseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the trainable parts of a {@link ComposedModel}: Adam with linear warm-up and decay,
 * global-norm clipping, length-bucketed batches, evaluation after every epoch, the best epoch's
 * weights kept (in memory) and restored at the end, early stopping, and a progress bar with ETA,
 * loss and throughput. A NaN or infinite loss stops training with a clear error after restoring the
 * last good weights.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingConfig config;
    private boolean progress = true;

    public Trainer(TrainingConfig config) {
        this.config = config;
    }

    /** Turns the progress bar off (tests). */
    public Trainer quiet() {
        this.progress = false;
        return this;
    }

    /**
     * @param evaluator null to train without evaluation (the last epoch's weights are kept)
     */
    public TrainingReport fit(ComposedModel model, TrainingData data, Evaluator evaluator) {
        if (!model.trainable()) {
            throw new IllegalStateException("build the model with forTraining(true) and a head");
        }
        if (data.size() == 0) {
            throw new InfuseException("data-empty", "no training examples");
        }
        int[] lengths = new int[data.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.length(i);
        }
        SplittableRandom random = new SplittableRandom(config.seed());
        long stepsPerEpoch = Batches.bucketed(lengths, config.batchSize(), config.maxTokensPerBatch(), random.split()).size();
        long totalSteps = stepsPerEpoch * config.epochs();
        Set<String> components = trainableComponents(model);
        List<TrainingReport.EpochRecord> history = new ArrayList<>();
        Map<String, Map<String, float[]>> best = snapshot(model, components);
        Map<String, Double> bestMetrics = Map.of();
        double bestScore = Double.NEGATIVE_INFINITY;
        int bestEpoch = 0;
        int sinceBest = 0;
        boolean stoppedEarly = false;
        long step = 0;
        long t0 = System.nanoTime();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            List<int[]> order = Batches.bucketed(lengths, config.batchSize(), config.maxTokensPerBatch(), random.split());
            double lossSum = 0;
            int seen = 0;
            long e0 = System.nanoTime();
            try (ProgressBar bar = progressBar("epoch " + epoch + "/" + config.epochs(), data.size())) {
                for (int[] indices : order) {
                    double lr = config.learningRateAt(step++, totalSteps);
                    ComposedModel.StepResult r;
                    try (Batch batch = data.batch(indices)) {
                        r = model.trainStep(batch, lr, config.clipNorm());
                    }
                    if (!Double.isFinite(r.loss())) {
                        restore(model, best);
                        throw new InfuseException("train-non-finite-loss", "training loss became " + r.loss()
                                + " at epoch " + epoch + ", step " + step + " (learning rate " + lr
                                + "); weights of epoch " + bestEpoch + " were restored. Lower the learning rate or check the data.");
                    }
                    lossSum += r.loss() * indices.length;
                    seen += indices.length;
                    if (bar != null) {
                        bar.stepBy(indices.length);
                        bar.setExtraMessage(String.format(" loss %.4f", lossSum / seen));
                    }
                }
            }
            double seconds = (System.nanoTime() - e0) / 1e9;
            Map<String, Double> metrics = evaluator == null ? Map.of() : evaluator.evaluate(model);
            history.add(new TrainingReport.EpochRecord(epoch, lossSum / seen, metrics, seconds, seen / seconds));
            LOG.info("epoch {}: loss {} {} ({} examples/s)", epoch, String.format("%.4f", lossSum / seen), metrics,
                    String.format("%.1f", seen / seconds));
            if (evaluator == null) {
                best = snapshot(model, components);
                bestEpoch = epoch;
                continue;
            }
            Double score = metrics.get(evaluator.primaryMetric());
            if (score == null) {
                throw new IllegalStateException("evaluator did not report its primary metric " + evaluator.primaryMetric());
            }
            if (score > bestScore) {
                bestScore = score;
                bestEpoch = epoch;
                bestMetrics = metrics;
                best = snapshot(model, components);
                sinceBest = 0;
            } else if (config.patience() > 0 && ++sinceBest >= config.patience()) {
                stoppedEarly = epoch < config.epochs();
                break;
            }
        }
        restore(model, best);
        return new TrainingReport(history, bestEpoch, bestMetrics, stoppedEarly, (System.nanoTime() - t0) / 1e9);
    }

    private ProgressBar progressBar(String task, long max) {
        if (!progress) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" ex", 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(1000).build();
    }

    private static Set<String> trainableComponents(ComposedModel model) {
        Set<String> out = new TreeSet<>();
        model.parameters().stream().filter(ComposedModel.ParameterInfo::trainable).forEach(p -> out.add(p.component()));
        return out;
    }

    private static Map<String, Map<String, float[]>> snapshot(ComposedModel model, Set<String> components) {
        Map<String, Map<String, float[]>> out = new LinkedHashMap<>();
        for (String c : components) {
            out.put(c, model.weights(c));
        }
        return out;
    }

    private static void restore(ComposedModel model, Map<String, Map<String, float[]>> weights) {
        weights.forEach(model::loadWeights);
    }
}
