package dev.infuse.adapter.maptuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.EntityMention;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import dev.infuse.testkit.ToyClassification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

class MapTuningAdapterTest {
    @TempDir
    Path tmp;

    MapTuningAdapter adapter(Backbone b, Map<String, Object> extra) throws Exception {
        Path emb = Files.writeString(tmp.resolve("e.txt"), "Q1\t1 0 0 0\nQ2\t0 1 0 0\nQ3\t0 0 1 0\n");
        Path names = Files.writeString(tmp.resolve("names.txt"), "Q2\tparis, capital of France\nQ3\tthe moon\n");
        var cfg = new java.util.HashMap<String, Object>(Map.of("embeddings", emb.toString(), "names", names.toString()));
        cfg.putAll(extra);
        PluginConfig c = PluginConfig.of("map-tuning", cfg);
        var a = (MapTuningAdapter) new MapTuningProvider().create(c, b.spec(), TestContext.shared());
        c.requireAllConsumed();
        return a;
    }

    @Test
    void linksByIdThenByExactNameAndLeavesTheRestAlone() throws Exception {
        try (Backbone b = TinyBackbones.create()) {
            MapTuningAdapter a = adapter(b, Map.of());
            assertThat(a.mentionPrefix(new EntityMention(0, 3, "Q1", "cat"))).isEqualTo("[E] / ");
            assertThat(a.mentionPrefix(new EntityMention(0, 5, null, "Paris"))).isEqualTo("[E] / ");
            assertThat(a.mentionPrefix(new EntityMention(0, 5, "Q99", "house"))).isEmpty();
            assertThat(a.linkCounts()).containsExactly(2, 1);
        }
    }

    @Test
    void pseudoTokenGetsTheMappedVectorAndOtherTokensKeepTheirEmbeddings() throws Exception {
        try (Backbone b = TinyBackbones.create()) {
            MapTuningAdapter a = adapter(b, Map.of());
            try (ComposedModel m = ComposedModel.builder(b).adapter(a, ComposedModel.Mode.TRAINABLE)
                    .head(new SequenceClassificationHead(2, 0f), true).build();
                    ComposedModel plain = ComposedModel.builder(b).build()) {
                var data = new ToyClassification(m.tokenizer(), 4, 1, List.of(a));
                String[] tokens = data.text(0).tokens();
                assertThat(tokens[1]).isEqualTo("[E]");
                assertThat(tokens[2]).isEqualTo("/");
                // The mapped vector enters where [E] stands: the encoder's tap 0 differs there, and only
                // there before attention mixes positions (tap 0 is the embedding output).
                try (Batch batch = data.batch(new int[] {0}); Result r = m.run(batch, List.of(m.hiddenStates().tap(0)))) {
                    TFloat32 t0 = (TFloat32) r.get(0);
                    var ids = data.text(0).ids();
                    var plainIds = ids.clone();
                    plainIds[1] = b.tokenizer().padId();
                    try (Batch pb = dev.infuse.api.Batches.standard(List.of(new dev.infuse.spi.TokenizedText(plainIds,
                            data.text(0).typeIds(), tokens, data.text(0).charStart(), data.text(0).charEnd())), b.tokenizer().padId());
                            Result pr = plain.run(pb, List.of(plain.hiddenStates().tap(0)))) {
                        TFloat32 p0 = (TFloat32) pr.get(0);
                        int h = b.spec().hiddenSize();
                        for (int t = 0; t < ids.length; t++) {
                            double diff = 0;
                            for (int k = 0; k < h; k++) {
                                diff += Math.abs(t0.getFloat(0, t, k) - p0.getFloat(0, t, k));
                            }
                            if (t == 1) {
                                assertThat(diff).as("pseudo-token position").isGreaterThan(1e-3);
                            } else {
                                assertThat(diff).as("position %d", t).isLessThan(1e-4);
                            }
                        }
                    }
                }
                assertThat(m.parameters().stream().filter(p -> p.name().contains("entity_embeddings")).findFirst().orElseThrow()
                        .trainable()).isFalse();
                assertThat(m.trainableParameterCount()).isEqualTo(4 * 32 + 32 + 32 * 2 + 2);
            }
        }
    }

    @Test
    void badConfigurationIsAClearError() throws Exception {
        try (Backbone b = TinyBackbones.create()) {
            assertThatThrownBy(() -> adapter(b, Map.of("mapper", "cnn"))).isInstanceOf(InfuseException.class)
                    .hasMessageContaining("affine or mlp");
            assertThatThrownBy(() -> new MapTuningProvider().create(PluginConfig.of("m", Map.of("embeddings", tmp.resolve("no").toString())),
                    b.spec(), TestContext.shared())).isInstanceOf(InfuseException.class).hasMessageContaining("does not exist");
            Path bad = Files.writeString(tmp.resolve("bad.txt"), "Q1\t1 0 0\nQ2\t0 1\n");
            assertThatThrownBy(() -> new MapTuningProvider().create(PluginConfig.of("m", Map.of("embeddings", bad.toString())),
                    b.spec(), TestContext.shared())).isInstanceOf(InfuseException.class).hasMessageContaining("bad.txt:2");
        }
    }
}
