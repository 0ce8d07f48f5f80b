package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.PluginConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The conformance suite every {@link FusionProvider} should pass; extend it and implement
 * {@link #provider()} (and {@link #smallConfig()} if the fusion has required keys). On the tiny BERT
 * with one and two side networks (small frozen stand-in adapters) it checks the provider rules
 * (name, SPI handshake, documented and consumed configuration), that the fused output has the
 * backbone's shape {@code [batch, time, H]} and finite values, that it depends on the side outputs,
 * that training changes only the fusion and head (the backbone and frozen adapters stay
 * bit-identical), and that saved weights reproduce the same outputs.
 */
public abstract class FusionProviderConformance extends ProviderConformanceBase {

    /** The provider under test. */
    protected abstract FusionProvider provider();

    /** A configuration for the tiny backbone (width 32). */
    protected Map<String, Object> smallConfig() {
        return Map.of();
    }

    /** Creates the fusion for {@code adapters} side outputs and checks that it read every key. */
    protected Fusion createFusion(int adapters) {
        PluginConfig c = PluginConfig.of("fusion '" + provider().name() + "'", smallConfig());
        Fusion f = provider().create(c, backbone().spec(), adapters, TestContext.shared());
        c.requireAllConsumed();
        return f;
    }

    @Test
    void nameAndVersionFollowTheRules() {
        assertProviderRules(provider());
        assertThat(createFusion(1).name()).isEqualTo(provider().name());
    }

    @Test
    void everyEffectiveConfigKeyIsDocumented() {
        assertDocumented(provider(), createFusion(2).config().keySet());
    }

    @Test
    void unknownConfigKeyIsRejected() {
        assertUnknownKeyRejected("fusion '" + provider().name() + "'", smallConfig(),
                c -> provider().create(c, backbone().spec(), 1, TestContext.shared()));
    }

    @Test
    void fusedOutputHasTheBackbonesShapeAndDependsOnTheSideOutputs() {
        for (int n = 1; n <= 2; n++) {
            List<KnowledgeAdapter> sides = sides(n, 0.02);
            try (ComposedModel model = compose(sides, createFusion(n), false)) {
                // The fusion's own weights (if any) non-zero first: a fusion may start out independent of the side
                // outputs (e.g. zero-initialised, exactly the backbone at initialisation), but training must be able to
                // make it depend on them.
                Map<String, float[]> fusionWeights = new HashMap<>();
                model.weights("fusion").forEach((k, v) -> {
                    float[] w = new float[v.length];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = v[i] + 0.05f * ((i % 5) - 2) + 0.01f;
                    }
                    fusionWeights.put(k, w);
                });
                if (!fusionWeights.isEmpty()) {
                    model.loadWeights("fusion", fusionWeights);
                }
                ToyClassification data = new ToyClassification(model.tokenizer(), 8, 1, sides);
                try (Batch batch = data.batch(new int[] {0, 1, 2}); Result r = model.run(batch, List.of(model.sequenceOutput()))) {
                    TFloat32 t = (TFloat32) r.get(0);
                    assertThat(t.shape().asArray()).as("fused shape with %d side outputs", n)
                            .containsExactly(3, t.shape().size(1), backbone().spec().hiddenSize());
                    float[] fused = floats(t);
                    for (float v : fused) {
                        assertThat(Float.isFinite(v)).as("finite fused values").isTrue();
                    }
                    // Other side-network weights must give another fused output: the fusion reads its inputs.
                    String first = "adapter." + sides.get(0).name();
                    Map<String, float[]> changed = new HashMap<>();
                    model.weights(first).forEach((k, v) -> {
                        float[] w = v.clone();
                        for (int i = 0; i < w.length; i++) {
                            w[i] += 0.5f * ((i % 7) - 3);
                        }
                        changed.put(k, w);
                    });
                    model.loadWeights(first, changed);
                    try (Result again = model.run(batch, List.of(model.sequenceOutput()))) {
                        assertThat(floats((TFloat32) again.get(0))).as("fused output after changing side network 1 of %d", n)
                                .isNotEqualTo(fused);
                    }
                }
            }
        }
    }

    @Test
    void trainingChangesOnlyTheFusionAndHeadAndTheBackboneStaysBitIdentical() {
        List<KnowledgeAdapter> sides = sides(2, 0.02);
        try (ComposedModel model = compose(sides, createFusion(2), true)) {
            Map<String, float[]> backboneBefore = model.weights("backbone");
            Map<String, Map<String, float[]>> sidesBefore = new HashMap<>();
            sides.forEach(a -> sidesBefore.put(a.name(), model.weights("adapter." + a.name())));
            Map<String, float[]> fusionBefore = model.weights("fusion");
            ToyClassification data = new ToyClassification(model.tokenizer(), 24, 1, sides);
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);

            Map<String, float[]> backboneAfter = model.weights("backbone");
            backboneBefore.forEach((name, v) -> assertThat(backboneAfter.get(name)).as("backbone weight %s", name).isEqualTo(v));
            sides.forEach(a -> model.weights("adapter." + a.name()).forEach((name, v) ->
                    assertThat(v).as("frozen adapter weight %s/%s", a.name(), name).isEqualTo(sidesBefore.get(a.name()).get(name))));
            Map<String, float[]> fusionAfter = model.weights("fusion");
            if (!fusionBefore.isEmpty()) {
                boolean changed = fusionBefore.entrySet().stream()
                        .anyMatch(e -> !java.util.Arrays.equals(e.getValue(), fusionAfter.get(e.getKey())));
                assertThat(changed).as("some fusion weight changed in training").isTrue();
            }
            assertThat(model.parameters().stream().filter(ComposedModel.ParameterInfo::trainable)
                    .map(ComposedModel.ParameterInfo::component).distinct().toList())
                    .doesNotContain("backbone").allMatch(c -> c.equals("fusion") || c.equals("head"));
        }
    }

    @Test
    void savedWeightsReproduceOutputs() {
        List<KnowledgeAdapter> sides = sides(2, 0.02);
        try (ComposedModel model = compose(sides, createFusion(2), true)) {
            ToyClassification data = new ToyClassification(model.tokenizer(), 16, 2, sides);
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);
            float[] first = logits(model, data);
            List<KnowledgeAdapter> again = sides(2, 0.5);
            try (ComposedModel other = compose(again, createFusion(2), false)) {
                for (KnowledgeAdapter a : sides) {
                    other.loadWeights("adapter." + a.name(), model.weights("adapter." + a.name()));
                }
                other.loadWeights("fusion", model.weights("fusion"));
                other.loadWeights("head", model.weights("head"));
                assertThat(logits(other, data)).containsExactly(first, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    private ComposedModel compose(List<KnowledgeAdapter> sides, Fusion fusion, boolean training) {
        ComposedModel.Builder b = ComposedModel.builder(backbone()).head(new SequenceClassificationHead(2, 0.0f), true)
                .seed(7).forTraining(training).fusion(fusion, true);
        sides.forEach(a -> b.adapter(a, ComposedModel.Mode.FROZEN));
        return b.build();
    }

    /** {@code n} frozen stand-in side networks: a dense layer over a different tap each, at initial std {@code std}. */
    private List<KnowledgeAdapter> sides(int n, double std) {
        List<KnowledgeAdapter> out = new ArrayList<>();
        int layers = backbone().spec().layers();
        for (int i = 0; i < n; i++) {
            int tap = Math.max(0, layers - i);
            String name = "side-" + i;
            out.add(new KnowledgeAdapter() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Map<String, Object> config() {
                    return Map.of("tap", tap);
                }

                @Override
                public List<Integer> taps() {
                    return List.of(tap);
                }

                @Override
                public Optional<Operand<TFloat32>> sideOutput(ModelScope scope, HiddenStates states) {
                    int h = states.hiddenSize();
                    return Optional.of(Dense.apply(scope, "proj", states.tap(tap), h, h, Initializers.normal(std)));
                }
            });
        }
        return out;
    }

    private static float[] logits(ComposedModel model, ToyClassification data) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        try (Batch batch = data.batch(new int[] {0, 1, 2, 3}); Result r = model.run(batch, List.of(logits))) {
            return floats((TFloat32) r.get(0));
        }
    }

    private static float[] floats(TFloat32 t) {
        float[] out = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(out);
        return out;
    }
}
