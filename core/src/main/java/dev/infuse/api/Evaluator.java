package dev.infuse.api;

import java.util.Map;

/** Scores a model, e.g. on a development split. Higher primary metric is better. */
public interface Evaluator {

    /** Metric name to value; must contain {@link #primaryMetric()}. */
    Map<String, Double> evaluate(ComposedModel model);

    /** The metric used for best-checkpoint selection and early stopping. */
    String primaryMetric();
}
