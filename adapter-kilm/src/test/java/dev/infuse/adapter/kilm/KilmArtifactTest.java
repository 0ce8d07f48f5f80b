package dev.infuse.adapter.kilm;

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
            KilmData data;
            try (ComposedModel model = compose(infuse, backbone, adapter, true)) {
                data = KilmData.build(Synthetic.entities().subList(0, 12), model.tokenizer(), KilmTokens.DEFAULT,
                        KilmData.Markers.ADDED, 6, 64);
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

    private static ComposedModel compose(Infuse infuse, Backbone backbone, KnowledgeAdapter a, boolean training) {
        return ComposedModel.builder(backbone).adapter(a, ComposedModel.Mode.TRAINABLE)
                .fusion(infuse.createFusion("add", PluginConfig.empty("fusion 'add'"), backbone.spec(), 1), false)
                .head(new MaskedLmHead(), false).seed(3).forTraining(training).build();
    }

    private static float[] logits(ComposedModel model, KilmData data) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        try (Batch b = data.batch(new int[] {0, 1, 2}); Result r = model.run(b, List.of(logits))) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }
}
