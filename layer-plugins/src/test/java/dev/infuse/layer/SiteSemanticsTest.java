package dev.infuse.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.layer.bitfit.BitFitProvider;
import dev.infuse.layer.bottleneck.BottleneckProvider;
import dev.infuse.layer.lora.LoraProvider;
import dev.infuse.layer.prefix.PrefixProvider;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.SiteEdit;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import dev.infuse.testkit.ToyClassification;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * What each edit computes, proved against the frozen model with merged weights: LoRA on a linear equals
 * the frozen model whose kernel is {@code W + (alpha/r) A B} (through the fused query/key/value product
 * too); a BitFit offset equals a changed bias or layer-norm shift; a gated prefix whose keys are zero
 * and values one vector {@code v} equals a changed attention-output bias {@code b + tanh(g) v W_o}.
 * And every plug-in, the prefix included, leaves padding without effect on real tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SiteSemanticsTest {
    private Backbone backbone;
    private ToyClassification data;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
        data = new ToyClassification(backbone.tokenizer(), 8, 11);
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    @Test
    void loraOnEveryLinearSiteEqualsTheMergedKernel() {
        for (String site : List.of("query", "key", "value", "attention.output", "intermediate", "output")) {
            LayerPlugin lora = create(new LoraProvider(), Map.of("r", 3, "alpha", 6, "sites", site, "layers", "1"));
            try (ComposedModel with = model(lora); ComposedModel merged = model(null)) {
                Map<String, float[]> w = randomized(with.weights("layer.lora"), 0.3, 5);
                with.loadWeights("layer.lora", w);
                float[] a = w.get("layer_1/" + site + "/lora_a");
                float[] b = w.get("layer_1/" + site + "/lora_b");
                LayerSite s = site(site);
                float[] update = product(a, b, s.inputSize(), 3, s.outputSize(), 2f);
                Map<String, float[]> bb = new HashMap<>(merged.weights("backbone"));
                addToKernel(bb, site, update, s);
                merged.loadWeights("backbone", bb);
                assertClose(hidden(with, new int[] {0, 1, 2, 3}), hidden(merged, new int[] {0, 1, 2, 3}), 2e-5f, "lora " + site);
            }
        }
    }

    @Test
    void inBf16AnEditedLayerStillAttendsInBf16AndStartsAsTheFrozenBits() {
        try (Backbone bf16 = TinyBackbones.create(Map.of("precision", "bf16"))) {
            LayerPlugin lora = new LoraProvider().create(PluginConfig.of("in-layer plug-in 'lora'", Map.of("sites", "all")),
                    bf16.spec(), TestContext.shared());
            // Both models built with the backbone's fused kernels off: an edited layer cannot use them everywhere an
            // unedited one does, and the claim here is bit identity.
            dev.infuse.testkit.FusedKernels.off(() -> {
                try (ComposedModel with = ComposedModel.builder(bf16).seed(7).layerPlugin(lora, ComposedModel.Mode.FROZEN).build();
                        ComposedModel plain = ComposedModel.builder(bf16).seed(7).build()) {
                    int layers = bf16.spec().layers();
                    assertThat(bf16AttentionProducts(with)).as("q kᵀ and p v of every edited layer in bf16").isEqualTo(2 * layers);
                    assertThat(bf16AttentionProducts(plain)).isEqualTo(2 * layers);
                    // B = 0: the delta is 0, and rounding frozen + 0 back to bf16 gives the frozen bits.
                    assertThat(hidden(with, new int[] {0, 1, 2, 3})).containsExactly(hidden(plain, new int[] {0, 1, 2, 3}));
                    with.loadWeights("layer.lora", randomized(with.weights("layer.lora"), 0.3, 5));
                    float[] trained = hidden(with, new int[] {0, 1, 2, 3});
                    float[] frozen = hidden(plain, new int[] {0, 1, 2, 3});
                    assertThat(maxAbsDiff(trained, frozen)).as("the delta reaches the attention").isGreaterThan(1e-3f);
                }
                return null;
            });
        }
    }

    private static long bf16AttentionProducts(ComposedModel m) {
        Graph g = (Graph) m.sequenceOutput().env();
        long n = 0;
        for (java.util.Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (op.type().startsWith("BatchMatMul") && (Object) op.output(0).type() == TBfloat16.class) {
                n++;
            }
        }
        return n;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void bitFitOffsetsEqualChangedBiasesAndShifts() {
        LayerPlugin bitfit = create(new BitFitProvider(), Map.of("sites", "value,intermediate,output.layer_norm", "layers", "0"));
        try (ComposedModel with = model(bitfit); ComposedModel merged = model(null)) {
            Map<String, float[]> w = randomized(with.weights("layer.bitfit"), 0.5, 9);
            with.loadWeights("layer.bitfit", w);
            Map<String, float[]> bb = new HashMap<>(merged.weights("backbone"));
            int h = backbone.spec().hiddenSize();
            float[] qkvBias = bb.get("encoder/layer_0/attention/self/query_key_value/bias");
            add(qkvBias, 2 * h, w.get("layer_0/value/bias"));
            add(bb.get("encoder/layer_0/intermediate/dense/bias"), 0, w.get("layer_0/intermediate/bias"));
            add(bb.get("encoder/layer_0/output/LayerNorm/beta"), 0, w.get("layer_0/output.layer_norm/bias"));
            merged.loadWeights("backbone", bb);
            assertClose(hidden(with, new int[] {0, 1, 2, 3}), hidden(merged, new int[] {0, 1, 2, 3}), 2e-5f, "bitfit");
        }
    }

    @Test
    void gatedPrefixWithZeroKeysAddsTheGatedValueThroughTheOutputProduct() {
        int h = backbone.spec().hiddenSize();
        LayerPlugin prefix = create(new PrefixProvider(), Map.of("virtual_tokens", 4, "layers", "1"));
        try (ComposedModel with = model(prefix); ComposedModel merged = model(null)) {
            Map<String, float[]> w = new LinkedHashMap<>(with.weights("layer.prefix"));
            float[] v = new float[h];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < h; i++) {
                v[i] = (float) r.nextGaussian();
            }
            float[] values = new float[4 * h];
            for (int t = 0; t < 4; t++) {
                System.arraycopy(v, 0, values, t * h, h);
            }
            float g = 0.7f;
            w.put("layer_1/attention.prefix/keys", new float[4 * h]);
            w.put("layer_1/attention.prefix/values", values);
            w.put("layer_1/attention.prefix/gate", new float[] {g});
            with.loadWeights("layer.prefix", w);
            Map<String, float[]> bb = new HashMap<>(merged.weights("backbone"));
            float[] wo = bb.get("encoder/layer_1/attention/output/dense/kernel");
            float[] shift = product(scaled(v, (float) Math.tanh(g)), wo, 1, h, h, 1f);
            add(bb.get("encoder/layer_1/attention/output/dense/bias"), 0, shift);
            merged.loadWeights("backbone", bb);
            assertClose(hidden(with, new int[] {0, 1, 2, 3}), hidden(merged, new int[] {0, 1, 2, 3}), 2e-5f, "gated prefix");
        }
    }

    @Test
    void paddingDoesNotReachRealTokensWithAnyPlugin() {
        List<LayerPlugin> plugins = List.of(
                create(new PrefixProvider(), Map.of("virtual_tokens", 3, "gate", false)),
                create(new PrefixProvider(), Map.of("virtual_tokens", 3)),
                create(new BottleneckProvider(), Map.of("reduction_factor", 4)),
                create(new LoraProvider(), Map.of("sites", "all")));
        for (LayerPlugin p : plugins) {
            try (ComposedModel m = model(p)) {
                String component = "layer." + p.name();
                m.loadWeights(component, randomized(m.weights(component), 0.2, 4));
                float[] batch = hidden(m, new int[] {0, 1, 2, 3});
                int h = backbone.spec().hiddenSize();
                int time = batch.length / (4 * h);
                for (int i = 0; i < 4; i++) {
                    float[] alone = hidden(m, new int[] {i});
                    int len = alone.length / h;
                    float[] inBatch = new float[len * h];
                    System.arraycopy(batch, i * time * h, inBatch, 0, len * h);
                    assertClose(inBatch, alone, 2e-5f, p.name() + " " + p.config() + " sentence " + i);
                }
            }
        }
    }

    @Test
    void anInputSideKnowledgePlugInReachesAModelWithInLayerPlugIns() {
        // Plug-and-play: a knowledge plug-in that rewrites input embeddings (map-tuning's pseudo-tokens) plugged into a
        // downstream model with a trained LoRA must change what the encoder outputs, as it does without the LoRA.
        var doubling = new dev.infuse.spi.KnowledgeAdapter() {
            @Override
            public String name() {
                return "doubling";
            }

            @Override
            public Map<String, Object> config() {
                return Map.of();
            }

            @Override
            public org.tensorflow.Operand<org.tensorflow.types.TFloat32> injectInputs(ModelScope scope, dev.infuse.spi.InputEmbeddings in) {
                return scope.tf().math.mul(in.embeddings(), scope.tf().constant(2f));
            }
        };
        LayerPlugin lora = create(new LoraProvider(), Map.of("r", 2, "sites", "query,value"));
        try (ComposedModel plain = ComposedModel.builder(backbone).seed(7).layerPlugin(lora, ComposedModel.Mode.FROZEN).build();
                ComposedModel plugged = ComposedModel.builder(backbone).seed(7).layerPlugin(lora, ComposedModel.Mode.FROZEN)
                        .adapter(doubling, ComposedModel.Mode.FROZEN).build()) {
            Map<String, float[]> w = randomized(plain.weights("layer.lora"), 0.3, 5);
            plain.loadWeights("layer.lora", w);
            plugged.loadWeights("layer.lora", w);
            assertThat(maxAbsDiff(hidden(plugged, new int[] {0, 1}), hidden(plain, new int[] {0, 1})))
                    .as("the injected inputs reach the edited layers").isGreaterThan(1e-3f);
        }
    }

    @Test
    void publishedPrefixChangesTheModelFromTheStart() {
        try (ComposedModel plain = model(null); ComposedModel m = model(create(new PrefixProvider(), Map.of("gate", false)))) {
            float[] a = hidden(plain, new int[] {0, 1});
            float[] b = hidden(m, new int[] {0, 1});
            float worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            assertThat(worst).isGreaterThan(1e-3f);
        }
    }

    @Test
    void badTargetsAreRefusedNamingPluginSiteAndTheSitesThatExist() {
        assertThatThrownBy(() -> model(create(new LoraProvider(), Map.of("sites", "qurey"))))
                .isInstanceOf(InfuseException.class).hasMessageContaining("'lora'").hasMessageContaining("qurey")
                .hasMessageContaining("attention.output");
        assertThatThrownBy(() -> model(create(new LoraProvider(), Map.of("r", 40))))
                .isInstanceOf(InfuseException.class).hasMessageContaining("key 'r'").hasMessageContaining("at most 32");
        assertThatThrownBy(() -> model(create(new LoraProvider(), Map.of("layers", "5"))))
                .isInstanceOf(InfuseException.class).hasMessageContaining("layers 0 to 1");
        assertThatThrownBy(() -> model(create(new BitFitProvider(), Map.of("sites", "ffn.residual"))))
                .isInstanceOf(InfuseException.class).hasMessageContaining("not of a kind");
        // Two plug-ins on one site of one layer.
        LayerPlugin lora = create(new LoraProvider(), Map.of("sites", "value"));
        LayerPlugin bitfit = create(new BitFitProvider(), Map.of("sites", "value"));
        assertThatThrownBy(() -> ComposedModel.builder(backbone).layerPlugin(lora, ComposedModel.Mode.TRAINABLE)
                .layerPlugin(bitfit, ComposedModel.Mode.TRAINABLE).build())
                .isInstanceOf(InfuseException.class).hasMessageContaining("already taken by in-layer plug-in 'lora'")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-bad-site");
        // A plug-in that returns an edit the site does not admit, or a site the backbone lacks.
        assertThatThrownBy(() -> model(rogue("intermediate", true))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("admits LinearDelta or BiasOffset");
        assertThatThrownBy(() -> model(rogue("attention.dense", false))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("does not offer").hasMessageContaining("ffn.residual");
    }

    /** A third-party plug-in that breaks the rules. */
    private static LayerPlugin rogue(String site, boolean residualAtLinear) {
        return new LayerPlugin() {
            @Override
            public String name() {
                return "rogue";
            }

            @Override
            public Map<String, Object> config() {
                return Map.of();
            }

            @Override
            public List<Target> targets(List<LayerSite> offered, BackboneSpec spec) {
                return List.of(new Target(0, site));
            }

            @Override
            public SiteEdit edit(ModelScope scope, Target target, LayerSite s) {
                return new SiteEdit.Residual(x -> x);
            }
        };
    }

    private LayerPlugin create(LayerPluginProvider p, Map<String, Object> config) {
        PluginConfig c = PluginConfig.of("in-layer plug-in '" + p.name() + "'", config);
        LayerPlugin plugin = p.create(c, backbone.spec(), TestContext.shared());
        c.requireAllConsumed();
        return plugin;
    }

    private ComposedModel model(LayerPlugin plugin) {
        ComposedModel.Builder b = ComposedModel.builder(backbone).seed(7);
        if (plugin != null) {
            b.layerPlugin(plugin, ComposedModel.Mode.FROZEN);
        }
        return b.build();
    }

    private LayerSite site(String name) {
        return backbone.layerSites().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private float[] hidden(ComposedModel m, int[] rows) {
        try (Batch batch = data.batch(rows); Result r = m.run(batch, List.of(m.sequenceOutput()))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    private static Map<String, float[]> randomized(Map<String, float[]> like, double std, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        like.forEach((k, v) -> {
            float[] x = new float[v.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * std);
            }
            out.put(k, x);
        });
        return out;
    }

    /** {@code scale * a b} for row-major {@code a [n, k]}, {@code b [k, m]}. */
    private static float[] product(float[] a, float[] b, int n, int k, int m, float scale) {
        float[] c = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) {
                    s += (double) a[i * k + t] * b[t * m + j];
                }
                c[i * m + j] = (float) (s * scale);
            }
        }
        return c;
    }

    private static float[] scaled(float[] v, float f) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= f;
        }
        return out;
    }

    private static void add(float[] target, int offset, float[] values) {
        for (int i = 0; i < values.length; i++) {
            target[offset + i] += values[i];
        }
    }

    /** Adds {@code update [in, out]} to the site's frozen kernel (the query/key/value columns of the fused kernel). */
    private void addToKernel(Map<String, float[]> bb, String site, float[] update, LayerSite s) {
        int h = backbone.spec().hiddenSize();
        String prefix = "encoder/layer_1/";
        switch (site) {
            case "query", "key", "value" -> {
                float[] k = bb.get(prefix + "attention/self/query_key_value/kernel");
                int part = List.of("query", "key", "value").indexOf(site);
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < h; j++) {
                        k[i * 3 * h + part * h + j] += update[i * h + j];
                    }
                }
            }
            case "attention.output" -> add(bb.get(prefix + "attention/output/dense/kernel"), 0, update);
            case "intermediate" -> add(bb.get(prefix + "intermediate/dense/kernel"), 0, update);
            case "output" -> add(bb.get(prefix + "output/dense/kernel"), 0, update);
            default -> throw new AssertionError(site);
        }
        assertThat(update).hasSize(s.inputSize() * s.outputSize());
    }

    private static void assertClose(float[] actual, float[] expected, float tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        float worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as("%s: largest difference", what).isLessThanOrEqualTo(tolerance);
    }
}
