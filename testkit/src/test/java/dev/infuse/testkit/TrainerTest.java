package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.Evaluator;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingReport;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerTest {
    Backbone backbone;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    ComposedModel model() {
        var adapter = new SideAdapter("side", new SideAdapterConfig(List.of(0, 2), 16, 1, 2, 32, 0.02, 0f));
        var fusion = TinyBackbones.fusion("concat").create(PluginConfig.empty("concat"), backbone.spec(), 1, TestContext.shared());
        return ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE).fusion(fusion, true)
                .head(new SequenceClassificationHead(2, 0f, SequenceClassificationHead.Pooling.MEAN), true).seed(3).forTraining(true).build();
    }

    @Test
    void learnsTheToyTaskAndKeepsTheBestEpoch() {
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 256, 1);
            ToyClassification dev = new ToyClassification(m.tokenizer(), 64, 2);
            double before = dev.evaluate(m).get("accuracy");
            TrainingReport r = new Trainer(new TrainingConfig(6, 16, 0, 3e-3, 0.1, 1.0, 0, 5)).quiet().fit(m, train, dev);
            assertThat(r.epochs()).hasSize(6);
            assertThat(r.epochs().get(5).meanLoss()).isLessThan(r.epochs().get(0).meanLoss());
            assertThat(r.bestMetrics().get("accuracy")).isGreaterThan(Math.max(0.8, before));
            // The weights restored at the end are the best epoch's: re-evaluating reproduces its score.
            assertThat(dev.evaluate(m).get("accuracy")).isEqualTo(r.bestMetrics().get("accuracy"));
            assertThat(r.epochs().get(r.bestEpoch() - 1).metrics()).isEqualTo(r.bestMetrics());
        }
    }

    @Test
    void stopsEarlyWhenTheMetricStopsImproving() {
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 32, 1);
            Evaluator flat = new Evaluator() {
                @Override
                public Map<String, Double> evaluate(ComposedModel model) {
                    return Map.of("score", 0.5);
                }

                @Override
                public String primaryMetric() {
                    return "score";
                }
            };
            TrainingReport r = new Trainer(new TrainingConfig(10, 16, 0, 1e-3, 0, 1, 2, 5)).quiet().fit(m, train, flat);
            assertThat(r.stoppedEarly()).isTrue();
            assertThat(r.epochs()).hasSize(3);
            assertThat(r.bestEpoch()).isEqualTo(1);
        }
    }

    @Test
    void evaluatesEveryNEpochsAndAfterTheLastAndSelectsOnlyAmongThem() {
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 32, 1);
            List<Integer> calls = new java.util.ArrayList<>();
            // Scores fall after epoch 1: with every epoch evaluated, epoch 1 would be the best.
            Evaluator falling = new Evaluator() {
                @Override
                public Map<String, Double> evaluate(ComposedModel model) {
                    calls.add(calls.size());
                    return Map.of("score", 1.0 / (calls.size() + 1));
                }

                @Override
                public String primaryMetric() {
                    return "score";
                }
            };
            TrainingConfig every2 = new TrainingConfig(5, 16, 0, 1e-3, 0, 1, 0, 5).withEvaluateEvery(2);
            TrainingReport r = new Trainer(every2).quiet().fit(m, train, falling);
            assertThat(calls).hasSize(3); // after epochs 2, 4 and 5 (the last)
            assertThat(r.epochs()).hasSize(5);
            assertThat(r.epochs().stream().map(e -> e.metrics().isEmpty()).toList()).containsExactly(true, false, true, false, false);
            assertThat(r.bestEpoch()).isEqualTo(2);
            assertThat(r.bestMetrics()).containsEntry("score", 0.5);
        }
        assertThat(new TrainingConfig(5, 16, 0, 1e-3, 0, 1, 0, 5).evaluateEvery()).isEqualTo(1);
        assertThatThrownBy(() -> new TrainingConfig(5, 16, 0, 1e-3, 0, 1, 0, 5, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonFiniteLossStopsWithAClearErrorAndRestoresGoodWeights() {
        try (ComposedModel m = model()) {
            ToyClassification train = new ToyClassification(m.tokenizer(), 32, 1);
            Map<String, float[]> before = m.weights("adapter.side");
            assertThatThrownBy(() -> new Trainer(new TrainingConfig(2, 16, 0, 1e30, 0, 0, 0, 5)).quiet().fit(m, train, null))
                    .isInstanceOf(InfuseException.class)
                    .hasMessageContaining("training loss became")
                    .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("train-non-finite-loss"));
            Map<String, float[]> after = m.weights("adapter.side");
            before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
        }
    }
}
