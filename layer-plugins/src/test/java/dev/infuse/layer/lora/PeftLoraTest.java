package dev.infuse.layer.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import dev.infuse.testkit.ToyClassification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * PEFT's LoRA folder: the written config and tensor names/shapes against golden files written by hand
 * from PEFT's documented format (src/test/resources/peft: {@code LoraConfig}'s keys as
 * {@code save_pretrained} writes them, sorted, indent 2; tensors
 * {@code base_model.model.bert.encoder.layer.<i>.<module>.lora_A.weight [r, in]} and
 * {@code lora_B.weight [out, r]}), the round trip on the tiny backbone, and the bad folders.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeftLoraTest {
    @TempDir
    Path tmp;

    private Backbone backbone;
    private final LoraProvider provider = new LoraProvider();

    @BeforeAll
    void open() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void close() {
        backbone.close();
    }

    // ------------------------------------------------------------------------------- golden files

    /** BERT-base's linear sites (as backbone-bert offers them), without a live backbone. */
    private static PeftLora.Base bertBase() {
        BackboneSpec spec = new BackboneSpec("bert", 12, 768, 12, 3072, 30522, 512);
        List<LayerSite> sites = List.of(new LayerSite("query", LayerSite.Kind.LINEAR, 768, 768),
                new LayerSite("key", LayerSite.Kind.LINEAR, 768, 768), new LayerSite("value", LayerSite.Kind.LINEAR, 768, 768),
                new LayerSite("attention.output", LayerSite.Kind.LINEAR, 768, 768),
                new LayerSite("intermediate", LayerSite.Kind.LINEAR, 768, 3072),
                new LayerSite("output", LayerSite.Kind.LINEAR, 3072, 768));
        return new PeftLora.Base("bert", spec, sites, "bert-L12-H768:sha256:test");
    }

    @Test
    void bertBaseR8QueryValueIsWrittenAsPeftWritesIt() throws IOException {
        PeftLora.Base base = bertBase();
        LoraPlugin lora = lora(Map.of("r", 8, "alpha", 16, "dropout", 0.1), base.spec());
        Weights w = randomWeights(lora.targets(base.sites(), base.spec()), base, 8, 1);
        Path dir = tmp.resolve("bert-base");
        PeftLora.write(dir, lora.rank(), lora.alpha(), lora.dropout(), lora.targets(base.sites(), base.spec()), w.values, w.shapes, base);

        assertThat(Files.readString(dir.resolve("adapter_config.json"))).isEqualTo(golden("bert-base-uncased-r8-qv/adapter_config.json"));
        assertThat(namesAndShapes(dir)).isEqualTo(golden("bert-base-uncased-r8-qv/tensors.txt"));

        LayerPluginProvider.Imported back = PeftLora.read(dir, base);
        assertThat(back.config()).isEqualTo(Map.of("r", 8, "alpha", 16.0, "dropout", 0.1, "sites", "query,value", "layers", List.of()));
        assertSameWeights(back.weights(), w.values);
    }

    @Test
    void tinyBertAllSitesIsWrittenAsPeftWritesIt() throws IOException {
        LayerPlugin plugin = create(Map.of("r", 4, "sites", "all"));
        try (ComposedModel model = compose(plugin)) {
            Path dir = tmp.resolve("tiny");
            provider.exportFolder(dir, plugin, model.weights("layer.lora"), model.shapes("layer.lora"), backbone);
            assertThat(Files.readString(dir.resolve("adapter_config.json"))).isEqualTo(golden("tiny-bert-r4-all/adapter_config.json"));
            assertThat(namesAndShapes(dir)).isEqualTo(golden("tiny-bert-r4-all/tensors.txt"));
            assertThat(SafeTensors.read(dir.resolve("adapter_model.safetensors")).metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void aFolderAsANewerPeftWritesItForBertForSequenceClassificationIsRead() throws IOException {
        // Keys of a recent PEFT (peft_version, lora_bias, target_parameters, ...), targets saved from a set (any order),
        // the classifier in modules_to_save with its tensors: those are ignored (Infuse trains its own head).
        Path dir = Files.createDirectories(tmp.resolve("from-peft"));
        String config = golden("tiny-bert-r4-all/adapter_config.json")
                .replace("\"modules_to_save\": null", "\"modules_to_save\": [\n    \"classifier\",\n    \"score\"\n  ]")
                .replace("\"task_type\": null", "\"task_type\": \"SEQ_CLS\",\n  \"peft_version\": \"0.17.1\",\n  \"lora_bias\": false,\n"
                        + "  \"target_parameters\": null,\n  \"trainable_token_indices\": null,\n  \"use_qalora\": false,\n"
                        + "  \"qalora_group_size\": 16,\n  \"exclude_modules\": null,\n  \"eva_config\": null,\n  \"corda_config\": null")
                .replaceAll("(?s)\"target_modules\": \\[.*?\\]", "\"target_modules\": [\"value\", \"query\"]");
        Files.writeString(dir.resolve("adapter_config.json"), config);
        Map<String, TensorData> tensors = new TreeMap<>();
        Random rnd = new Random(3);
        for (String line : golden("tiny-bert-r4-all/tensors.txt").split("\n")) {
            if (line.contains(".query.") || line.contains(".value.")) {
                String name = line.substring(0, line.indexOf(' '));
                long[] shape = Arrays.stream(line.substring(line.indexOf('[') + 1, line.indexOf(']')).split(", "))
                        .mapToLong(Long::parseLong).toArray();
                tensors.put(name, TensorData.f32(random(rnd, (int) (shape[0] * shape[1])), shape));
            }
        }
        tensors.put("base_model.model.classifier.modules_to_save.weight", TensorData.f32(random(rnd, 64), 2, 32));
        tensors.put("base_model.model.classifier.modules_to_save.bias", TensorData.f32(random(rnd, 2), 2));
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));

        LayerPluginProvider.Imported read = provider.importFolder(dir, backbone).orElseThrow();
        assertThat(read.format()).isEqualTo("peft");
        assertThat(read.config()).isEqualTo(Map.of("r", 4, "alpha", 8.0, "dropout", 0.0, "sites", "query,value", "layers", List.of()));
        // lora_a is A's transpose: A [r=4, in=32] row k, column i is lora_a [32, 4] row i, column k.
        float[] a = tensors.get("base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight").floats();
        float[] la = read.weights().get("layer_1/value/lora_a");
        assertThat(la[5 * 4 + 2]).isEqualTo(a[2 * 32 + 5]);
        float[] b = tensors.get("base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight").floats();
        float[] lb = read.weights().get("layer_0/query/lora_b");
        assertThat(lb[3 * 32 + 7]).isEqualTo(b[7 * 4 + 3]);
        assertThat(read.weights()).hasSize(8);
    }

    // ------------------------------------------------------------------------------- round trip

    @Test
    void writeThenReadGivesTheSameWeightsAndTheSameModelOutputs() {
        for (Map<String, Object> cfg : List.of(Map.<String, Object>of("r", 4, "alpha", 12, "sites", "all"),
                Map.<String, Object>of("r", 2, "sites", "query,output", "layers", "1"),
                Map.<String, Object>of("r", 3, "sites", "key,intermediate", "layers", "0", "dropout", 0.05))) {
            LayerPlugin plugin = create(cfg);
            Path dir = tmp.resolve("round-" + cfg.hashCode());
            float[] outputs;
            Map<String, float[]> trained;
            ToyClassification data;
            try (ComposedModel model = compose(plugin)) {
                data = new ToyClassification(model.tokenizer(), 16, 2);
                new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, data, null);
                trained = model.weights("layer.lora");
                assertThat(trained.values()).as("training moved LoRA's B away from 0")
                        .anyMatch(v -> Arrays.stream(box(v)).anyMatch(x -> x != 0f));
                outputs = lastHidden(model, data);
                provider.exportFolder(dir, plugin, trained, model.shapes("layer.lora"), backbone);
            }
            LayerPluginProvider.Imported read = provider.importFolder(dir, backbone).orElseThrow();
            assertSameWeights(read.weights(), trained);
            LayerPlugin again = create(read.config());
            assertThat(again.targets(backbone.layerSites(), backbone.spec())).as("same targets for " + cfg)
                    .isEqualTo(plugin.targets(backbone.layerSites(), backbone.spec()));
            for (String key : List.of("r", "alpha", "dropout")) {
                assertThat(again.config().get(key)).as(key + " of " + cfg).isEqualTo(plugin.config().get(key));
            }
            try (ComposedModel model = compose(again)) {
                assertThat(lastHidden(model, data)).as("a new LoRA differs").isNotEqualTo(outputs);
                model.loadWeights("layer.lora", read.weights());
                assertThat(lastHidden(model, data)).as("outputs after the round trip of " + cfg).isEqualTo(outputs);
            }
        }
    }

    @Test
    void aBareBertModelsNamesAndALayerSubsetByPeftsDefaultLayerRuleAreRead() throws IOException {
        // PEFT on a BertModel: no "bert." in the names; layers_to_transform without layers_pattern finds the index by
        // PEFT's default rule (the first numbered segment).
        Path dir = peftFolder("bare", c -> c.replace("\"layers_to_transform\": null", "\"layers_to_transform\": [1]")
                .replaceAll("(?s)\"target_modules\": \\[.*?\\]", "\"target_modules\": [\"key\", \"intermediate.dense\"]"), 4, 32);
        Map<String, TensorData> t = new TreeMap<>();
        SafeTensors.read(dir.resolve("adapter_model.safetensors")).tensors().forEach((k, v) -> {
            if (k.contains("layer.1.") && (k.contains(".key.") || k.contains("intermediate"))) {
                t.put(k.replace("model.bert.", "model."), v);
            }
        });
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of());
        LayerPluginProvider.Imported read = provider.importFolder(dir, backbone).orElseThrow();
        assertThat(read.config()).containsEntry("sites", "key,intermediate").containsEntry("layers", List.of(1));
        assertThat(read.weights().keySet()).containsExactlyInAnyOrder("layer_1/key/lora_a", "layer_1/key/lora_b",
                "layer_1/intermediate/lora_a", "layer_1/intermediate/lora_b");
    }

    @Test
    void rankStabilisedLoraIsReadAsTheSameScale() throws IOException {
        Path dir = peftFolder("rslora", c -> c.replace("\"use_rslora\": false", "\"use_rslora\": true"), 4, 32);
        LayerPluginProvider.Imported read = provider.importFolder(dir, backbone).orElseThrow();
        // lora_alpha / sqrt(r) = 8 / 2 = 4 = alpha / r with alpha = 16.
        assertThat(read.config()).containsEntry("alpha", 16.0);
    }

    @Test
    void anInfuseArtifactOrAnEmptyFolderIsNotAPeftFolder() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThat(provider.importFolder(empty, backbone)).isEmpty();
        Path infuse = Files.createDirectories(tmp.resolve("infuse-artifact"));
        Files.writeString(infuse.resolve("adapter_config.json"), "{\"format_version\": 1, \"plugin\": {\"kind\": \"head\"}}");
        assertThat(provider.importFolder(infuse, backbone)).isEmpty();
    }

    // ------------------------------------------------------------------------------- bad folders

    @Test
    void aFolderForAnotherBaseModelNamesTheFileTheTensorAndTheExpectedShape() throws IOException {
        // bert-large-uncased: H 1024.
        Path dir = peftFolder("bert-large", c -> c.replace("\"base_model_name_or_path\": null",
                "\"base_model_name_or_path\": \"bert-large-uncased\""), 4, 1024);
        assertThatThrownBy(() -> provider.importFolder(dir, backbone)).isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "artifact-shape-mismatch")
                .hasMessageContaining(dir.resolve("adapter_model.safetensors").toString())
                .hasMessageContaining("'base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight' has shape [4, 1024]")
                .hasMessageContaining("expected [4, 32]")
                .hasMessageContaining("bert-large-uncased");
    }

    @Test
    void moreLayersThanTheBackboneHasAreRefused() throws IOException {
        Path dir = peftFolder("deeper", c -> c, 4, 32);
        Map<String, TensorData> t = new TreeMap<>(SafeTensors.read(dir.resolve("adapter_model.safetensors")).tensors());
        t.put("base_model.model.bert.encoder.layer.2.attention.self.query.lora_A.weight", TensorData.f32(new float[4 * 32], 4, 32));
        t.put("base_model.model.bert.encoder.layer.2.attention.self.query.lora_B.weight", TensorData.f32(new float[4 * 32], 32, 4));
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of());
        expect(dir, "artifact-unknown-weight", "layer.2.attention.self.query.lora_A.weight", "layers 0 to 1");
    }

    @Test
    void badConfigurationsAreNamedByKey() throws IOException {
        expect(peftFolder("prefix", c -> c.replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"PREFIX_TUNING\""), 4, 32),
                "artifact-unsupported", "adapter_config.json", "'peft_type'", "PREFIX_TUNING", "LORA");
        expect(peftFolder("no-r", c -> c.replace("\"r\": 4,", ""), 4, 32), "artifact-config", "key 'r' is missing");
        expect(peftFolder("no-targets", c -> c.replaceAll("(?s)\"target_modules\": \\[.*?\\],", ""), 4, 32),
                "artifact-config", "'target_modules' is missing");
        expect(peftFolder("distilbert", c -> c.replaceAll("(?s)\"target_modules\": \\[.*?\\]", "\"target_modules\": [\"q_lin\"]"), 4, 32),
                "artifact-unsupported", "'target_modules'", "q_lin", "attention.self.query");
        expect(peftFolder("dora", c -> c.replace("\"use_dora\": false", "\"use_dora\": true"), 4, 32),
                "artifact-unsupported", "'use_dora'", "DoRA");
        expect(peftFolder("bias", c -> c.replace("\"bias\": \"none\"", "\"bias\": \"all\""), 4, 32),
                "artifact-unsupported", "'bias'");
        expect(peftFolder("ranks", c -> c.replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"query\": 8}"), 4, 32),
                "artifact-unsupported", "'rank_pattern'");
        expect(peftFolder("pissa", c -> c.replace("\"init_lora_weights\": true", "\"init_lora_weights\": \"pissa_niter_4\""), 4, 32),
                "artifact-unsupported", "'init_lora_weights'", "pissa");
        expect(peftFolder("future", c -> c.replace("\"use_dora\": false", "\"use_dora\": false,\n  \"use_magic\": true"), 4, 32),
                "artifact-unsupported", "'use_magic'");
        expect(peftFolder("broken", c -> c.replace("\"r\": 4,", "\"r\": 4,,"), 4, 32), "artifact-config", "adapter_config.json:",
                "not valid JSON");
    }

    @Test
    void tensorsAndTargetsMustAgree() throws IOException {
        // Only query and value targeted, but the file holds all six modules' tensors.
        expect(peftFolder("extra", c -> c.replaceAll("(?s)\"target_modules\": \\[.*?\\]", "\"target_modules\": [\"query\", \"value\"]"),
                4, 32), "artifact-unknown-weight", "layer.0.attention.self.key.lora_A.weight", "is not targeted");
        Path missing = peftFolder("missing", c -> c, 4, 32);
        Map<String, TensorData> t = new TreeMap<>(SafeTensors.read(missing.resolve("adapter_model.safetensors")).tensors());
        t.remove("base_model.model.bert.encoder.layer.1.intermediate.dense.lora_B.weight");
        SafeTensors.write(missing.resolve("adapter_model.safetensors"), t, Map.of());
        expect(missing, "artifact-missing-weight", "layer.1.intermediate.dense.lora_B.weight");
        Path roberta = peftFolder("roberta", c -> c, 4, 32);
        Map<String, TensorData> r = new TreeMap<>();
        SafeTensors.read(roberta.resolve("adapter_model.safetensors")).tensors()
                .forEach((k, v) -> r.put(k.replace(".bert.", ".roberta."), v));
        SafeTensors.write(roberta.resolve("adapter_model.safetensors"), r, Map.of());
        expect(roberta, "artifact-unknown-weight", "base_model.model.roberta.encoder.layer.0", "expected base_model.model.bert.encoder");
        Path pickle = peftFolder("pickle", c -> c, 4, 32);
        Files.move(pickle.resolve("adapter_model.safetensors"), pickle.resolve("adapter_model.bin"));
        expect(pickle, "artifact-unsupported", "adapter_model.bin");
    }

    // ------------------------------------------------------------------------------- helpers

    /** The tiny golden folder (all six modules, r = 4) with tensors of hidden size {@code h}, its config edited. */
    private Path peftFolder(String name, java.util.function.UnaryOperator<String> edit, int r, int h) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad").resolve(name));
        Files.writeString(dir.resolve("adapter_config.json"), edit.apply(golden("tiny-bert-r4-all/adapter_config.json")));
        Map<String, TensorData> tensors = new TreeMap<>();
        Random rnd = new Random(5);
        for (String line : golden("tiny-bert-r4-all/tensors.txt").split("\n")) {
            String tensor = line.substring(0, line.indexOf(' '));
            boolean a = tensor.endsWith("lora_A.weight");
            int in = tensor.contains(".output.dense.") && !tensor.contains("attention.") ? 2 * h : h;
            int out = tensor.contains("intermediate.") ? 2 * h : h;
            tensors.put(tensor, a ? TensorData.f32(random(rnd, r * in), r, in) : TensorData.f32(random(rnd, r * out), out, r));
        }
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }

    private void expect(Path dir, String code, String... mentions) {
        assertThatThrownBy(() -> provider.importFolder(dir, backbone)).isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", code).hasMessageContainingAll(mentions);
    }

    private LayerPlugin create(Map<String, Object> cfg) {
        PluginConfig c = PluginConfig.of("in-layer plug-in 'lora'", cfg);
        LayerPlugin p = provider.create(c, backbone.spec(), TestContext.shared());
        c.requireAllConsumed();
        return p;
    }

    private LoraPlugin lora(Map<String, Object> cfg, BackboneSpec spec) {
        return (LoraPlugin) provider.create(PluginConfig.of("in-layer plug-in 'lora'", cfg), spec, TestContext.shared());
    }

    private ComposedModel compose(LayerPlugin plugin) {
        return ComposedModel.builder(backbone).layerPlugin(plugin, ComposedModel.Mode.TRAINABLE)
                .head(new SequenceClassificationHead(2, 0.0f), true).seed(7).forTraining(true).build();
    }

    private static float[] lastHidden(ComposedModel model, ToyClassification data) {
        try (Batch batch = data.batch(new int[] {0, 1, 2, 3}); Result r = model.run(batch, List.of(model.sequenceOutput()))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    private record Weights(Map<String, float[]> values, Map<String, long[]> shapes) {}

    private static Weights randomWeights(List<LayerPlugin.Target> targets, PeftLora.Base base, int r, long seed) {
        Random rnd = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (LayerPlugin.Target t : targets) {
            LayerSite s = base.site(t.site());
            String p = "layer_" + t.layer() + "/" + t.site() + "/";
            values.put(p + "lora_a", random(rnd, s.inputSize() * r));
            shapes.put(p + "lora_a", new long[] {s.inputSize(), r});
            values.put(p + "lora_b", random(rnd, r * s.outputSize()));
            shapes.put(p + "lora_b", new long[] {r, s.outputSize()});
        }
        return new Weights(values, shapes);
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static Float[] box(float[] v) {
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }

    private static void assertSameWeights(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k)).as(k).isEqualTo(v));
    }

    /** Every tensor of the folder as {@code name [d0, d1]}, sorted, one a line. */
    private static String namesAndShapes(Path dir) {
        SafeTensorFile f = SafeTensors.read(dir.resolve("adapter_model.safetensors"));
        List<String> lines = new ArrayList<>();
        f.tensors().forEach((k, v) -> lines.add(k + " " + Arrays.toString(v.shape())));
        lines.sort(null);
        return String.join("\n", lines) + "\n";
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = PeftLoraTest.class.getResourceAsStream("/peft/" + name)) {
            assertThat(in).as("golden file " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
