package dev.infuse.api;

import dev.infuse.internal.artifact.TrainingCheckpoint;
import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import me.tongfei.progressbar.ProgressBar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the trainable parts of a {@link ComposedModel}: Adam with linear warm-up and decay,
 * global-norm clipping, length-bucketed batches, evaluation after every epoch (or every
 * {@link TrainingConfig#evaluateEvery()} epochs), the best evaluated epoch's
 * weights kept (in memory) and restored at the end, early stopping, and a progress bar with ETA,
 * loss and throughput. A NaN or infinite loss stops training with a clear error after restoring the
 * last good weights. With {@link #checkpoint} the state is written to disk after every epoch and a
 * restarted run continues from it (a non-finite loss leaves the last good checkpoint in place).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingConfig config;
    private boolean progress = true;
    private Path checkpointDir;
    private Map<String, Object> runDescription = Map.of();

    public Trainer(TrainingConfig config) {
        this.config = config;
    }

    /** Turns the progress bar off (tests). */
    public Trainer quiet() {
        this.progress = false;
        return this;
    }

    /**
     * Writes a checkpoint into {@code directory} after every epoch and resumes from it when one is
     * there: trainable weights, best weights, Adam's state, the epoch, step, best metrics, history and
     * the shuffling state. A checkpoint is only resumed by a run with the same description; another
     * description fails with {@code config-checkpoint-mismatch} naming what differs.
     *
     * @param run what defines the run beyond the training configuration (task, data files and their
     *     hashes, adapters, backbone fingerprint, ...); values must be JSON-writable
     */
    public Trainer checkpoint(Path directory, Map<String, Object> run) {
        this.checkpointDir = directory;
        this.runDescription = new LinkedHashMap<>(run);
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
        Set<String> components = trainableComponents(model);
        FitState p = new FitState(snapshot(model, components), System.nanoTime());
        Map<String, Object> run = checkpointDir == null ? null : runDescription(model, data, evaluator);
        String runKey = run == null ? null : TrainingCheckpoint.runKey(run);
        int firstEpoch = 1;
        if (run != null && TrainingCheckpoint.exists(checkpointDir)) {
            firstEpoch = resume(model, p, run, runKey) + 1;
            for (int e = 1; e < firstEpoch; e++) {
                random.split(); // the shuffles of the finished epochs
            }
        }
        for (int epoch = firstEpoch; epoch <= config.epochs() && !p.finished; epoch++) {
            List<int[]> order = Batches.bucketed(lengths, config.batchSize(), config.maxTokensPerBatch(), random.split());
            TrainingReport.EpochRecord record = trainEpoch(model, data, evaluator, order, epoch, stepsPerEpoch * config.epochs(), p);
            p.history.add(record);
            LOG.info("epoch {}: loss {} {} ({} examples/s)", epoch, String.format("%.4f", record.meanLoss()),
                    evaluator != null && !config.evaluatesAfter(epoch)
                            ? "(not evaluated: every " + config.evaluateEvery() + " epochs)" : record.metrics(),
                    String.format("%.1f", record.examplesPerSecond()));
            select(model, components, evaluator, epoch, record.metrics(), p);
            p.finished |= epoch == config.epochs();
            if (run != null) {
                ComposedModel.OptimizerState opt = model.optimizerState();
                TrainingCheckpoint.write(checkpointDir, new TrainingCheckpoint.State(runKey, run, epoch, p.step, p.bestEpoch,
                        p.bestScore, p.sinceBest, p.finished, p.stoppedEarly, p.bestMetrics, p.history, snapshot(model, components),
                        p.best, opt.step(), opt.slots(), p.earlierSeconds + p.seconds(),
                        Math.max(p.earlierPeak, RunEnvironment.peakRssBytes())));
            }
        }
        restore(model, p.best);
        return new TrainingReport(p.history, p.bestEpoch, p.bestMetrics, p.stoppedEarly, p.seconds(), p.earlierSeconds,
                p.earlierPeak);
    }

    /** Where a training stands: the best weights so far and what early stopping and the checkpoint need. */
    private static final class FitState {
        final List<TrainingReport.EpochRecord> history = new ArrayList<>();
        final long t0;
        Map<String, Map<String, float[]>> best;
        Map<String, Double> bestMetrics = Map.of();
        double bestScore = Double.NEGATIVE_INFINITY;
        int bestEpoch;
        int sinceBest;
        boolean stoppedEarly;
        boolean finished;
        long step;
        double earlierSeconds; // a resumed training's time and memory in the processes before this one
        long earlierPeak = -1;

        FitState(Map<String, Map<String, float[]>> initial, long t0) {
            this.best = initial;
            this.t0 = t0;
        }

        double seconds() {
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Loads the checkpoint into the model and {@code p}; returns the last finished epoch. */
    private int resume(ComposedModel model, FitState p, Map<String, Object> run, String runKey) {
        TrainingCheckpoint.State state = TrainingCheckpoint.read(checkpointDir);
        requireSameRun(state, run, runKey);
        state.current().forEach(model::loadWeights);
        model.loadOptimizerState(new ComposedModel.OptimizerState(state.optimizerStep(), state.optimizerSlots()));
        p.best = state.best();
        p.bestMetrics = state.bestMetrics();
        p.bestScore = state.bestScore();
        p.bestEpoch = state.bestEpoch();
        p.sinceBest = state.sinceBest();
        p.stoppedEarly = state.stoppedEarly();
        p.finished = state.finished();
        p.step = state.step();
        p.history.addAll(state.history());
        p.earlierSeconds = state.elapsedSeconds();
        p.earlierPeak = state.peakRssBytes();
        LOG.info("resuming from {} after epoch {} of {} (best epoch {})", checkpointDir, state.epoch(), config.epochs(),
                p.bestEpoch);
        return state.epoch();
    }

    /** One epoch over the batches in {@code order}, then its evaluation when one is due. */
    private TrainingReport.EpochRecord trainEpoch(ComposedModel model, TrainingData data, Evaluator evaluator, List<int[]> order,
            int epoch, long totalSteps, FitState p) {
        double lossSum = 0;
        int seen = 0;
        long e0 = System.nanoTime();
        try (ProgressBar bar = progressBar("epoch " + epoch + "/" + config.epochs(), data.size())) {
            for (int[] indices : order) {
                double lr = config.learningRateAt(p.step++, totalSteps);
                ComposedModel.StepResult r;
                try (Batch batch = data.batch(indices)) {
                    r = model.trainStep(batch, lr, config.clipNorm());
                }
                if (!Double.isFinite(r.loss())) {
                    restore(model, p.best);
                    throw new InfuseException("train-non-finite-loss", "training loss became " + r.loss()
                            + " at epoch " + epoch + ", step " + p.step + " (learning rate " + lr
                            + "); weights of epoch " + p.bestEpoch + " were restored"
                            + (checkpointDir == null ? "" : " and the checkpoint of epoch " + (epoch - 1) + " in "
                                    + checkpointDir + " was kept")
                            + ". Lower the learning rate or check the data.");
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
        Map<String, Double> metrics = evaluator != null && config.evaluatesAfter(epoch) ? evaluator.evaluate(model) : Map.of();
        return new TrainingReport.EpochRecord(epoch, lossSum / seen, metrics, seconds, seen / seconds);
    }

    /**
     * Model selection after an epoch: without an evaluator the last epoch is kept; otherwise the best on the primary
     * metric, and training stops after {@code patience} evaluations without improvement.
     */
    private void select(ComposedModel model, Set<String> components, Evaluator evaluator, int epoch, Map<String, Double> metrics,
            FitState p) {
        if (evaluator == null) {
            p.best = snapshot(model, components);
            p.bestEpoch = epoch;
            return;
        }
        if (!config.evaluatesAfter(epoch)) {
            return;
        }
        Double score = metrics.get(evaluator.primaryMetric());
        if (score == null) {
            throw new IllegalStateException("evaluator did not report its primary metric " + evaluator.primaryMetric());
        }
        if (score > p.bestScore) {
            p.bestScore = score;
            p.bestEpoch = epoch;
            p.bestMetrics = metrics;
            p.best = snapshot(model, components);
            p.sinceBest = 0;
        } else if (config.patience() > 0 && ++p.sinceBest >= config.patience()) {
            p.stoppedEarly = epoch < config.epochs();
            p.finished = true;
        }
    }

    /** The caller's description plus everything of this run that a resumed run must share. */
    private Map<String, Object> runDescription(ComposedModel model, TrainingData data, Evaluator evaluator) {
        Map<String, Object> run = new LinkedHashMap<>(runDescription);
        run.put("training", Map.of("epochs", config.epochs(), "batch_size", config.batchSize(),
                "max_tokens_per_batch", config.maxTokensPerBatch(), "learning_rate", config.learningRate(),
                "warmup_fraction", config.warmupFraction(), "clip_norm", config.clipNorm(), "patience", config.patience(),
                "seed", config.seed()));
        if (config.evaluateEvery() != 1) { // only then: checkpoints written before the setting existed still resume
            @SuppressWarnings("unchecked")
            Map<String, Object> training = new LinkedHashMap<>((Map<String, Object>) run.get("training"));
            training.put("evaluate_every", config.evaluateEvery());
            run.put("training", training);
        }
        List<String> params = new ArrayList<>();
        model.parameters().forEach(p -> params.add(p.name() + java.util.Arrays.toString(p.shape()) + (p.trainable() ? "" : " frozen")));
        run.put("parameters", params);
        run.put("training_examples", data.size());
        run.put("primary_metric", evaluator == null ? "" : evaluator.primaryMetric());
        return run;
    }

    private void requireSameRun(TrainingCheckpoint.State state, Map<String, Object> run, String runKey) {
        if (runKey.equals(state.runKey())) {
            return;
        }
        // Compare through JSON so that numbers and lists read back from the file compare equal.
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var now = json.valueToTree(run);
        var then = json.valueToTree(state.run());
        Set<String> differ = new TreeSet<>();
        Set<String> keys = new TreeSet<>(run.keySet());
        keys.addAll(state.run().keySet());
        for (String k : keys) {
            if (!java.util.Objects.equals(now.get(k), then.get(k))) {
                differ.add(k);
            }
        }
        throw new InfuseException("config-checkpoint-mismatch", checkpointDir + ": holds a checkpoint of a different run "
                + "(differs in " + (differ.isEmpty() ? "its key" : differ) + "); resume with the same configuration, choose "
                + "another checkpoint folder, or delete it to start over");
    }

    private ProgressBar progressBar(String task, long max) {
        if (!progress) {
            return null;
        }
        return Progress.bar(task, max, " ex");
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
