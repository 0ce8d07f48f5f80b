package dev.infuse.study;

import java.nio.file.Path;

/**
 * One unit of a study's work: a pretraining step, or one (method, task, seed) evaluation. A plain
 * description, so an executor may ship it elsewhere and run it there.
 *
 * @param stage which kind of work
 * @param method the method (for a pretraining step: its id, {@code method/adapter})
 * @param task the task it trains on
 * @param seed its seed
 * @param folder its final output folder
 */
public record Cell(Stage stage, String method, String task, long seed, Path folder) {

    /** Pretraining steps run before the evaluation cells that need them. */
    public enum Stage {
        PRETRAINING,
        EVALUATION
    }

    /** A short label, e.g. {@code factual/semeval/seed-1} or {@code pretraining factual/factual on fewrel}. */
    public String label() {
        return stage == Stage.PRETRAINING ? "pretraining " + method + " on " + task : method + "/" + task + "/seed-" + seed;
    }
}
