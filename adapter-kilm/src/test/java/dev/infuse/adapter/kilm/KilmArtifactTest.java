package dev.infuse.adapter.kilm;

import dev.infuse.data.EntityDescription;
import dev.infuse.tasks.EntityInfill;
import dev.infuse.tasks.RunSpec;
import dev.infuse.tasks.TaskRunner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.api.Provenance;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

class KilmArtifactTest {

    @Test
    void savedAdapterIsFoundByNameAndReproducesPredictions(@TempDir Path dir) {
        try (Infuse infuse = Infuse.builder().pluginsDirectory(null).cacheDirectory(dir.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            assertThat(infuse.registry().info(dev.infuse.spi.PluginKind.ADAPTER, "kilm").name()).isEqualTo("kilm");
            Map<String, Object> cfg = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "dropout", 0.0);
            KnowledgeAdapter adapter = infuse.createAdapter("kilm", PluginConfig.of("adapter 'kilm'", cfg), backbone.spec());
            float[] expected;
            EntityInfill data;
            try (ComposedModel model = compose(infuse, backbone, adapter, true)) {
                data = EntityInfill.of(Synthetic.entities().subList(0, 12), model.tokenizer(), List.of(),
                        EntityInfill.Markers.ADDED, 6, 64);
                new Trainer(new TrainingConfig(1, 4, 0, 1e-2, 0.0, 1.0, 0, 1)).quiet().fit(model, data, null);
                expected = logits(model, data);
                AdapterArtifacts.save(model, adapter, "0.1.0", dir.resolve("kilm"), Provenance.builder().seed(1).build(), false);
            }
            AdapterArtifacts.Loaded loaded = AdapterArtifacts.load(infuse, dir.resolve("kilm"), backbone);
            assertThat(loaded.adapter().config()).isEqualTo(adapter.config());
            try (ComposedModel again = compose(infuse, backbone, loaded.adapter(), false)) {
                loaded.loadInto(again);
                assertThat(logits(again, data)).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void entityInfillTaskPretrainsThenEvaluatesTheArtifactWithoutTraining(@TempDir Path dir) throws Exception {
        // WN18RR layout: id<TAB>title, definition; "usage example"; ids are synset offsets for the split.
        StringBuilder file = new StringBuilder();
        int n = 0;
        for (EntityDescription e : Synthetic.entities()) {
            file.append(String.format("%08d", 5000 + n++)).append('\t').append(e.title()).append(", ")
                    .append(e.description()).append("; \"").append(e.context()).append("\"\n");
        }
        Path source = java.nio.file.Files.writeString(dir.resolve("entity2text.txt"), file.toString());
        var training = new dev.infuse.api.TrainingConfig(2, 8, 0, 1e-2, 0.1, 1.0, 0, 3);
        Map<String, Object> cfg = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "dropout", 0.0);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(null).cacheDirectory(dir.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var pre = TaskRunner.run(infuse, backbone, RunSpec.builder("entity-infill").train(source).adapters(List.of(new RunSpec.AdapterUse("kilm", null, RunSpec.AdapterMode.TRAIN, cfg))).training(training).maxLength(64).cache(true).headDropout(0f).out(dir.resolve("pre")).build());
            assertThat(pre.metrics()).containsKeys("wordpiece_accuracy", "first_word_exact_match", "description_exact_match",
                    "position_prior/wordpiece_accuracy");
            assertThat(pre.metrics().get("text_markers")).isZero();
            assertThat(pre.trainableParameters()).isPositive();
            Path artifact = dir.resolve("pre/adapters/kilm");
            assertThat(artifact.resolve("adapter.safetensors")).exists();
            assertThat(dir.resolve("pre/predictions.jsonl")).exists();

            // Frozen plug-in, parameter-free head and add fusion: nothing to train, the run only scores.
            var eval = TaskRunner.run(infuse, backbone, RunSpec.builder("entity-infill").train(source).adapters(List.of(new RunSpec.AdapterUse(null, artifact, RunSpec.AdapterMode.PRETRAINED, Map.of()))).training(training).maxLength(64).cache(true).headDropout(0f).out(dir.resolve("eval")).build());
            assertThat(eval.trainableParameters()).isZero();
            assertThat(eval.report().epochs()).isEmpty();
            assertThat(eval.metrics().get("wordpiece_accuracy"))
                    .isCloseTo(pre.metrics().get("wordpiece_accuracy"), org.assertj.core.data.Offset.offset(1e-9));

            // The frozen backbone alone falls back to plain-text markers.
            var base = TaskRunner.run(infuse, backbone, RunSpec.builder("entity-infill").train(source).adapters(List.of()).training(training).maxLength(64).cache(true).headDropout(0f).out(dir.resolve("base")).build());
            assertThat(base.metrics().get("text_markers")).isEqualTo(1.0);
            assertThat(base.metrics().get("entities")).isEqualTo(pre.metrics().get("entities"));
        }
    }

    @Test
    void pluginWritesTheTasksMarkers() {
        assertThat(KilmTokens.DEFAULT.asList()).isEqualTo(EntityInfill.MARKERS);
    }

    private static ComposedModel compose(Infuse infuse, Backbone backbone, KnowledgeAdapter a, boolean training) {
        return ComposedModel.builder(backbone).adapter(a, ComposedModel.Mode.TRAINABLE)
                .fusion(infuse.createFusion("add", PluginConfig.empty("fusion 'add'"), backbone.spec(), 1), false)
                .head(new MaskedLmHead(), false).seed(3).forTraining(training).build();
    }

    private static float[] logits(ComposedModel model, EntityInfill data) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        try (Batch b = data.batch(new int[] {0, 1, 2}); Result r = model.run(b, List.of(logits))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }
}
