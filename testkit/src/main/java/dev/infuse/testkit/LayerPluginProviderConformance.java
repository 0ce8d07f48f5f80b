package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.PluginConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The conformance suite every {@link LayerPluginProvider} should pass; extend it and implement
 * {@link #provider()} (and {@link #smallConfig()} to keep the plug-in small). It checks the provider
 * rules (name, SPI handshake, documented and consumed configuration), that every target is a site the
 * tiny BERT offers, that the plug-in starts as an exact identity (the frozen model's hidden states),
 * that a few training steps change its weights and leave every backbone weight bit-identical, and that
 * saved weights reproduce the same outputs.
 */
public abstract class LayerPluginProviderConformance extends ProviderConformanceBase {

    /** The provider under test. */
    protected abstract LayerPluginProvider provider();

    /** A configuration that keeps the plug-in small on the tiny backbone (width 32, 2 layers). */
    protected Map<String, Object> smallConfig() {
        return Map.of();
    }

    /**
     * Largest difference allowed between the frozen model's last hidden states and the model with the
     * new plug-in; 0 (exact identity) unless a plug-in documents otherwise.
     */
    protected float identityTolerance() {
        return 0f;
    }

    protected LayerPlugin createPlugin() {
        PluginConfig c = PluginConfig.of("in-layer plug-in '" + provider().name() + "'", smallConfig());
        LayerPlugin p = provider().create(c, backbone().spec(), TestContext.shared());
        c.requireAllConsumed();
        return p;
    }

    @Test
    void nameAndVersionFollowTheRules() {
        assertProviderRules(provider());
        assertThat(createPlugin().name()).isEqualTo(provider().name());
    }

    @Test
    void everyEffectiveConfigKeyIsDocumented() {
        assertDocumented(provider(), createPlugin().config().keySet());
    }

    @Test
    void unknownConfigKeyIsRejected() {
        assertUnknownKeyRejected("in-layer plug-in '" + provider().name() + "'", smallConfig(),
                c -> provider().create(c, backbone().spec(), TestContext.shared()));
    }

    @Test
    void targetsAreOfferedSitesOfExistingLayers() {
        Set<String> offered = backbone().layerSites().stream().map(LayerSite::name).collect(Collectors.toSet());
        List<LayerPlugin.Target> targets = createPlugin().targets(backbone().layerSites(), backbone().spec());
        assertThat(targets).isNotEmpty().doesNotHaveDuplicates();
        for (LayerPlugin.Target t : targets) {
            assertThat(offered).contains(t.site());
            assertThat(t.layer()).isBetween(0, backbone().spec().layers() - 1);
        }
    }

    @Test
    void startsAsTheFrozenModel() {
        // Exact with the backbone's fused kernels off: they group float operations differently in an edited layer
        // (an edited product cannot carry its bias and GELU), which moves results by an ulp or so.
        float exact = FusedKernels.off(this::worstDifferenceAtInitialisation);
        assertThat(exact).as("largest difference to the frozen model at initialisation").isLessThanOrEqualTo(identityTolerance());
        float fused = worstDifferenceAtInitialisation();
        assertThat(fused).as("largest difference to the frozen model at initialisation, fused kernels on")
                .isLessThanOrEqualTo(Math.max(identityTolerance(), 1e-5f));
    }

    private float worstDifferenceAtInitialisation() {
        ToyClassification data;
        float[] frozen;
        try (ComposedModel plain = ComposedModel.builder(backbone()).seed(7).build()) {
            data = new ToyClassification(plain.tokenizer(), 8, 5);
            frozen = lastHidden(plain, data);
        }
        try (ComposedModel model = compose(createPlugin(), false)) {
            float[] with = lastHidden(model, data);
            assertThat(with).hasSameSizeAs(frozen);
            float worst = 0;
            for (int i = 0; i < frozen.length; i++) {
                worst = Math.max(worst, Math.abs(with[i] - frozen[i]));
            }
            return worst;
        }
    }

    @Test
    void trainingChangesOnlyThePluginAndTheBackboneStaysBitIdentical() {
        LayerPlugin plugin = createPlugin();
        String component = "layer." + plugin.name();
        try (ComposedModel model = compose(plugin, true)) {
            Map<String, float[]> backboneBefore = model.weights("backbone");
            Map<String, float[]> before = model.weights(component);
            assertThat(before).as("the plug-in creates parameters").isNotEmpty();
            ToyClassification data = new ToyClassification(model.tokenizer(), 24, 1);
            new Trainer(new TrainingConfig(2, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);

            Map<String, float[]> backboneAfter = model.weights("backbone");
            backboneBefore.forEach((name, v) -> assertThat(backboneAfter.get(name)).as("backbone weight %s", name).isEqualTo(v));
            Map<String, float[]> after = model.weights(component);
            boolean changed = before.entrySet().stream().anyMatch(e -> !Arrays.equals(e.getValue(), after.get(e.getKey())));
            assertThat(changed).as("some plug-in weight changed").isTrue();
            assertThat(model.parameters().stream().filter(ComposedModel.ParameterInfo::trainable)
                    .map(ComposedModel.ParameterInfo::component).distinct()).doesNotContain("backbone");
        }
    }

    @Test
    void savedWeightsReproduceOutputs() {
        LayerPlugin plugin = createPlugin();
        String component = "layer." + plugin.name();
        try (ComposedModel model = compose(plugin, true)) {
            ToyClassification data = new ToyClassification(model.tokenizer(), 16, 2);
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);
            float[] first = lastHidden(model, data);
            try (ComposedModel other = compose(createPlugin(), false)) {
                assertThat(lastHidden(other, data)).as("a new plug-in differs from the trained one").isNotEqualTo(first);
                other.loadWeights(component, model.weights(component));
                other.loadWeights("head", model.weights("head"));
                assertThat(lastHidden(other, data)).containsExactly(first, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    private ComposedModel compose(LayerPlugin plugin, boolean training) {
        return ComposedModel.builder(backbone()).layerPlugin(plugin, ComposedModel.Mode.TRAINABLE)
                .head(new SequenceClassificationHead(2, 0.0f), true).seed(7).forTraining(training).build();
    }

    private static float[] lastHidden(ComposedModel model, ToyClassification data) {
        try (Batch batch = data.batch(new int[] {0, 1, 2, 3}); Result r = model.run(batch, List.of(model.sequenceOutput()))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }
}
