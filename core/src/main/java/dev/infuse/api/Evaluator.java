package dev.infuse.api;

import java.util.Map;
import java.util.function.Function;

/** Scores a model, e.g. on a development split. Higher primary metric is better. */
public interface Evaluator {

    /** Metric name to value; must contain {@link #primaryMetric()}. */
    Map<String, Double> evaluate(ComposedModel model);

    /** The metric used for best-checkpoint selection and early stopping. */
    String primaryMetric();

    /** An evaluator from a scoring function and the name of its primary metric. */
    static Evaluator of(String primaryMetric, Function<ComposedModel, Map<String, Double>> score) {
        return new Evaluator() {
            @Override
            public Map<String, Double> evaluate(ComposedModel model) {
                return score.apply(model);
            }

            @Override
            public String primaryMetric() {
                return primaryMetric;
            }
        };
    }
}
