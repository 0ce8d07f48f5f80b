package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.Trainer;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The conformance suite every {@link AdapterProvider} should pass; extend it and implement
 * {@link #provider()} (and {@link #smallConfig()} to keep the adapter small). It checks the provider
 * rules (name, SPI handshake, documented and consumed configuration), that the adapter builds on a
 * tiny BERT, that a few training steps change the adapter's weights and leave every backbone weight
 * bit-identical, and that saved weights reproduce the same outputs.
 */
public abstract class AdapterProviderConformance extends ProviderConformanceBase {

    /** The provider under test. */
    protected abstract AdapterProvider provider();

    /** A configuration that keeps the adapter small on the tiny backbone (width 32). */
    protected Map<String, Object> smallConfig() {
        return Map.of();
    }

    protected KnowledgeAdapter createAdapter() {
        PluginConfig c = PluginConfig.of("adapter '" + provider().name() + "'", smallConfig());
        KnowledgeAdapter a = provider().create(c, backbone().spec(), TestContext.shared());
        c.requireAllConsumed();
        return a;
    }

    @Test
    void nameAndVersionFollowTheRules() {
        assertProviderRules(provider());
    }

    @Test
    void everyEffectiveConfigKeyIsDocumented() {
        assertDocumented(provider(), createAdapter().config().keySet());
    }

    @Test
    void unknownConfigKeyIsRejected() {
        assertUnknownKeyRejected("adapter '" + provider().name() + "'", smallConfig(),
                c -> provider().create(c, backbone().spec(), TestContext.shared()));
    }

    @Test
    void trainingChangesOnlyTheAdapterAndTheBackboneStaysBitIdentical() {
        KnowledgeAdapter adapter = createAdapter();
        try (ComposedModel model = compose(adapter, true)) {
            Map<String, float[]> backboneBefore = model.weights("backbone");
            Map<String, float[]> adapterBefore = model.weights("adapter." + adapter.name());
            ToyClassification data = new ToyClassification(model.tokenizer(), 24, 1, List.of(adapter));
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);

            Map<String, float[]> backboneAfter = model.weights("backbone");
            assertThat(backboneAfter.keySet()).isEqualTo(backboneBefore.keySet());
            backboneBefore.forEach((name, v) -> assertThat(backboneAfter.get(name)).as("backbone weight %s", name).isEqualTo(v));
            Map<String, float[]> adapterAfter = model.weights("adapter." + adapter.name());
            boolean changed = adapterBefore.entrySet().stream()
                    .anyMatch(e -> !java.util.Arrays.equals(e.getValue(), adapterAfter.get(e.getKey())));
            assertThat(changed).as("some adapter weight changed").isTrue();
            assertThat(model.parameters().stream().filter(ComposedModel.ParameterInfo::trainable)
                    .map(ComposedModel.ParameterInfo::component).distinct())
                    .doesNotContain("backbone");
        }
    }

    @Test
    void savedWeightsReproduceOutputs() {
        KnowledgeAdapter adapter = createAdapter();
        String component = "adapter." + adapter.name();
        float[] first;
        Map<String, float[]> weights;
        ToyClassification data;
        try (ComposedModel model = compose(adapter, true)) {
            data = new ToyClassification(model.tokenizer(), 16, 2, List.of(adapter));
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);
            weights = model.weights(component);
            Map<String, float[]> head = model.weights("head");
            first = logits(model, data);
            try (ComposedModel other = compose(createAdapter(), false)) {
                other.loadWeights(component, weights);
                other.loadWeights("head", head);
                model.fusion().ifPresent(f -> other.loadWeights("fusion", model.weights("fusion")));
                assertThat(logits(other, data)).containsExactly(first, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    private ComposedModel compose(KnowledgeAdapter adapter, boolean training) {
        ComposedModel.Builder b = ComposedModel.builder(backbone()).adapter(adapter, ComposedModel.Mode.TRAINABLE)
                .head(new SequenceClassificationHead(2, 0.0f), true).seed(7).forTraining(training);
        if (!adapter.taps().isEmpty()) { // side networks declare their taps
            var fusion = TinyBackbones.fusion("add");
            PluginConfig c = PluginConfig.empty("fusion 'add'");
            b.fusion(fusion.create(c, backbone().spec(), 1, TestContext.shared()), true);
        }
        return b.build();
    }

    private static float[] logits(ComposedModel model, ToyClassification data) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        try (Batch batch = data.batch(new int[] {0, 1, 2, 3}); Result r = model.run(batch, List.of(logits))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }
}
